package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

class DaemonAttachTest {

    @Test
    @EnabledOnOs(OS.LINUX)
    void theBundledLibraryIsPatchedOnLinux() throws Exception {
        Path dir = NativeLibrary.ensureLoaded(null);
        assertTrue(NativeLibrary.nativeThreadsAreDaemons(), "g_vm patched in " + dir);
        Path lib = dir.resolve(System.mapLibraryName("jllama"));
        long offset = DaemonAttach.symbolOffset(lib, DaemonAttach.G_VM);
        assertTrue(offset > 0, "g_vm found at " + offset);
        assertEquals(-1, DaemonAttach.symbolOffset(lib, "_ZN12_GLOBAL__N_14g_vmX"), "a name that is not there");
    }

    @Test
    void aFileThatIsNotAnElfLibraryHasNoSymbols(@TempDir Path tmp) throws Exception {
        Path notElf = Files.write(tmp.resolve("libjllama.so"), new byte[] {'M', 'Z', 0, 0});
        assertEquals(-1, DaemonAttach.symbolOffset(notElf, DaemonAttach.G_VM));
        Path empty = Files.write(tmp.resolve("empty.so"), new byte[0]);
        assertEquals(-1, DaemonAttach.symbolOffset(empty, DaemonAttach.G_VM));
    }
}
