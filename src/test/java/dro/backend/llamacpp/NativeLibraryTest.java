package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NativeLibraryTest {

    @Test
    void anAvx512CpuIsToldWhatTheBundledAvx2LibraryLeavesUnused() {
        assertEquals(Optional.of("AVX-512"), NativeLibrary.unusedCpuFeatures(Set.of("avx2", "avx512f"), "x86_64"));
        assertEquals(Optional.of("AVX-512 and AMX"),
                NativeLibrary.unusedCpuFeatures(Set.of("avx2", "avx512f", "amx_tile"), "x86_64"));
    }

    @Test
    void anAvx2CpuAnotherArchitectureOrUnknownFlagsGetNoHint() {
        assertEquals(Optional.empty(), NativeLibrary.unusedCpuFeatures(Set.of("avx2", "fma"), "x86_64"));
        assertEquals(Optional.empty(), NativeLibrary.unusedCpuFeatures(Set.of("avx512f"), "aarch64"));
        assertEquals(Optional.empty(), NativeLibrary.unusedCpuFeatures(Set.of(), "x86_64"));
    }

    @Test
    void theFlagsAreReadFromProcCpuinfoWhereThereIsOne() {
        Set<String> flags = NativeLibrary.cpuFlags();
        if (Files.isReadable(Path.of("/proc/cpuinfo"))) {
            assertFalse(flags.isEmpty(), "a Linux CPU lists its flags");
            assertTrue(flags.stream().noneMatch(f -> f.isBlank() || f.contains(" ")), flags.toString());
        } else {
            assertEquals(Set.of(), flags);
        }
    }
}
