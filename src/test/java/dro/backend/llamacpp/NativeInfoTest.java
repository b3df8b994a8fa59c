package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** {@link NativeInfo}: llama.cpp's printed build and system information, read from a probe JVM. */
class NativeInfoTest {

    private static final NativeChoice CUDA = new NativeChoice(NativeChoice.Origin.CACHED_CUDA, Path.of("/c/4.2.0-cuda"),
            null);

    @Test
    void aCudaBuildsSystemInformationNamesItsBackendsFeaturesAndDevices() {
        // Lines written here in the shape llama.cpp b4916 prints them while loading a model with a CUDA build.
        List<String> lines = List.of(
                "ggml_cuda_init: found 2 CUDA devices:",
                "  Device 0: NVIDIA GeForce RTX 4090, compute capability 8.9, VMM: yes",
                "  Device 1: NVIDIA GeForce RTX 3090, compute capability 8.6, VMM: yes",
                "build: 4916 (c6af2161) with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu",
                "system info: n_threads = 8, n_threads_batch = 8, total_threads = 16",
                "",
                "system_info: n_threads = 8 (n_threads_batch = 8) / 16 | CUDA : ARCHS = 860,890 | USE_GRAPHS = 1"
                        + " | PEER_MAX_BATCH_SIZE = 128 | CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 1 | ",
                "dro4j-native-probe: done");
        NativeInfo info = NativeInfo.parse(CUDA, false, "4.2.0", lines, null);
        assertEquals("4916 (c6af2161)", info.llamaCppBuild());
        assertTrue(info.hasCuda());
        assertEquals(Map.of("CUDA", List.of("ARCHS = 860,890", "USE_GRAPHS", "PEER_MAX_BATCH_SIZE = 128"),
                "CPU", List.of("SSE3", "AVX", "AVX2", "AVX512")), info.backends());
        assertEquals(List.of("0: NVIDIA GeForce RTX 4090, compute capability 8.9, VMM: yes",
                "1: NVIDIA GeForce RTX 3090, compute capability 8.6, VMM: yes"), info.cudaDevices());
        assertNull(info.probeError());
    }

    @Test
    void withoutSystemInformationTheReasonIsKept() {
        NativeInfo info = NativeInfo.parse(CUDA, false, "4.2.0", List.of("Error: could not find main class"), null);
        assertEquals("llama.cpp printed no system information", info.probeError());
        assertFalse(info.hasCuda());
        NativeInfo failed = NativeInfo.parse(CUDA, false, "4.2.0", List.of(), "the probe did not end within 60 s");
        assertEquals("the probe did not end within 60 s", failed.probeError());
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    @EnabledIfSystemProperty(named = "os.arch", matches = "amd64|x86_64")
    void theBundledLibraryOnThisMachineIsACpuBuildOfLlamaCpp4916() {
        NativeInfo info = NativeInfo.of(null, 0);
        assertNull(info.probeError());
        assertEquals("4.2.0", info.bindingVersion());
        assertEquals("4916 (c6af2161)", info.llamaCppBuild());
        assertFalse(info.hasCuda());
        assertEquals(List.of("SSE3", "SSSE3", "AVX", "AVX2", "F16C", "FMA", "BMI2", "LLAMAFILE", "OPENMP",
                "AARCH64_REPACK"), info.features("CPU"));
        assertEquals(List.of(), info.cudaDevices());
    }
}
