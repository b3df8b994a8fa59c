package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The hint that a build for this CPU would be faster than the bundled library (AVX2 at most). */
class NativeLibraryTest {

    private static String cpuInfo(String flags) {
        return "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n"
                + "flags\t\t: " + flags + "\nbugs\t\t: spectre_v1\n\nprocessor\t: 1\nflags\t\t: " + flags + "\n";
    }

    @Test
    void aCpuWithAvx512AndAmxIsNamedForBoth() {
        assertEquals(Optional.of("AVX-512 and AMX"), NativeLibrary.widerThanBundled(
                cpuInfo("fpu sse2 avx avx2 fma avx512f avx512dq avx512_vnni amx_bf16 amx_tile amx_int8")));
    }

    @Test
    void aCpuWithAvx512AloneIsNamedForIt() {
        assertEquals(Optional.of("AVX-512"), NativeLibrary.widerThanBundled(
                cpuInfo("fpu sse2 avx avx2 fma avx512f avx512bw avx512vl")));
    }

    @Test
    void aCpuWithAvx2AtMostGetsNoHint() {
        assertEquals(Optional.empty(), NativeLibrary.widerThanBundled(cpuInfo("fpu sse2 avx avx2 fma f16c")));
        assertEquals(Optional.empty(), NativeLibrary.widerThanBundled(
                cpuInfo("fpu sse2 avx avx2 avx_vnni avx512_fake_but_not_f")));
    }

    @Test
    void textWithoutFlagsGetsNoHint() {
        assertEquals(Optional.empty(), NativeLibrary.widerThanBundled(""));
        assertEquals(Optional.empty(), NativeLibrary.widerThanBundled("processor : 0\nFeatures : fp asimd\n"));
    }
}
