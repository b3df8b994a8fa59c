package dro.compat.internal;

import dro.compat.ArtifactException;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dro.testing.Fuzz;

/**
 * The original's {@code metrics_cache.json} (the aspect cache a run reuses) is untrusted bytes: it reads or fails
 * with an {@link ArtifactException}, and what reads is written back in Python's {@code json.dumps} style
 * ({@link PythonJson}) as JSON that reads back to the same cache.
 */
class MetricsCacheFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void anyCacheFileReadsAndWritesBackOrFailsWithAnArtifactException(byte[] data) {
        java.nio.file.Path f = Fuzz.file("metrics_cache.json", data);
        Fuzz.onlyDeclared(() -> {
            MetricsCache c = MetricsCache.read(f);
            java.nio.file.Path back = Fuzz.absent("metrics_cache-written.json");
            c.write(back);
            MetricsCache again = MetricsCache.read(back);
            assertEquals(c.json(), again.json());
            assertEquals(c.toJson(), again.toJson());
        }, ArtifactException.class);
    }
}
