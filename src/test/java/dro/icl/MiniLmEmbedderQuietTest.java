package dro.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dro.testing.ChildJvm;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default embedder's first use in a user's program logs no warning the user cannot act on: on a machine with a
 * CUDA runtime but no usable driver (such as this project's CI machines) DJL's tokenizer would log "Failed to detect
 * GPU count" at WARN twice. A fresh JVM, because DJL probes once per JVM.
 */
class MiniLmEmbedderQuietTest {

    @Test
    void theFirstEmbeddingLogsNoWarningAndLeavesDjlsProbeLoggingOnForTheUsersOwnUse(@TempDir Path tmp)
            throws Exception {
        ChildJvm.Result r = ChildJvm.run(DefaultEmbedderProbe.class, Map.of(), tmp);

        assertEquals(0, r.code(), r.err());
        assertEquals("384 dimensions; DJL's CUDA probe logs: true\n", r.out());
        assertFalse(r.err().contains(" WARN "), r.err());
    }
}
