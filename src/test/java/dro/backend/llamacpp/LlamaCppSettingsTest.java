package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import dro.ModelLoadException;
import dro.gguf.GgufFile;
import dro.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the original's GPU and context settings map to llama.cpp parameters. */
class LlamaCppSettingsTest {

    private static final GpuInfo NO_SMI = () -> {
        throw new ModelLoadException("nvidia-smi is not available (not found)");
    };

    private static LlamaCppSettings settings(int numGpus, String visible, String dtype, Integer maxModelLen,
                                             Integer gpuLayers, int slots, double util) {
        return new LlamaCppSettings(Path.of("m.gguf"), numGpus, visible, dtype, util, maxModelLen, null, gpuLayers,
                2, slots);
    }

    private static String value(List<String> args, String flag) {
        int i = args.indexOf(flag);
        return i < 0 || i + 1 >= args.size() ? null : args.get(i + 1);
    }

    @Test
    void cpuDefaultsUseTheTrainedContextAndNoGpuLayers() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        LlamaCppSettings.Plan plan = settings(0, null, "auto", null, null, 1, 0.9).plan(g, false, NO_SMI, false);

        List<String> args = plan.args();
        assertEquals("4096", value(args, "--ctx-size"), "the trained 16384, capped at 4096");
        assertEquals("1", value(args, "--parallel"));
        assertNull(value(args, "--gpu-layers"), "the CPU-only build warns about any --gpu-layers");
        assertEquals(0, plan.gpuLayers());
        assertEquals("2", value(args, "--threads"));
        assertTrue(args.contains("--jinja"));
        assertTrue(args.contains("--no-context-shift"), "the prompt is never silently shifted out");
        assertTrue(args.contains("--log-disable"), "native logs are off by default");
        assertNull(value(args, "--device"));
        assertNull(value(args, "--cache-type-k"));
    }

    @Test
    void aGpuLibraryWithNoGpusAskedForKeepsEveryLayerOnTheCpu() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        assertEquals("0", value(settings(0, null, "auto", null, null, 1, 0.9).plan(g, true, NO_SMI, false).args(),
                "--gpu-layers"));
    }

    @Test
    void eachParallelSlotGetsMaxModelLenAndTheSharedCacheRoomForOneMoreBatch() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        LlamaCppSettings.Plan plan = settings(0, null, "auto", 512, null, 4, 0.9).plan(g, false, NO_SMI, true);
        assertEquals("2560", value(plan.args(), "--ctx-size"), "4 x 512, + 512, at least 2048 + 512");
        assertEquals("16896", value(settings(0, null, "auto", 4096, null, 4, 0.9).plan(g, false, NO_SMI, true)
                .args(), "--ctx-size"), "4 x 4096 + 512");
        assertEquals("4096", value(settings(0, null, "auto", 4096, null, 1, 0.9).plan(g, false, NO_SMI, true)
                .args(), "--ctx-size"), "one slot: exactly maxModelLen");
        assertEquals("4", value(plan.args(), "--parallel"));
        assertEquals(512, plan.contextPerSlot());
        assertFalse(plan.args().contains("--log-disable"));
    }

    @Test
    void rejectsMaxModelLenBeyondTheTrainedContext() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> settings(0, null, "auto", 20000, null, 1, 0.9).plan(g, false, NO_SMI, false));
        assertEquals("maxModelLen 20000 exceeds the context length the model was trained with (16384 tokens, from"
                + " scripted-chat.gguf)", e.getMessage());
    }

    @Test
    void rejectsGpusWithTheBundledCpuLibrary() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> settings(1, null, "auto", null, null, 1, 0.9).plan(g, false, NO_SMI, false));
        assertEquals("numGpus 1 asks for GPUs, but the loaded llama.cpp library is CPU-only (the one bundled with"
                + " de.kherud:llama, or a host build): run bin/dro native build --cuda (README \"Scaling\"), or set"
                + " numGpus to 0", e.getMessage());
    }

    @Test
    void visibleDevicesSelectCudaDevicesAndSplitLayersEvenly() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        LlamaCppSettings.Plan plan = settings(2, "1,3", "auto", null, 10, 1, 0.9).plan(g, true, NO_SMI, false);

        List<String> args = plan.args();
        assertEquals("CUDA1,CUDA3", value(args, "--device"));
        assertEquals("layer", value(args, "--split-mode"));
        assertEquals("1,1", value(args, "--tensor-split"));
        assertEquals("0", value(args, "--main-gpu"));
        assertEquals("10", value(args, "--gpu-layers"));
        assertEquals(List.of(1, 3), plan.devices());
    }

    @Test
    void oneGpuUsesTheFirstVisibleDeviceWithoutSplitting() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        LlamaCppSettings.Plan plan = settings(1, "2,0", "auto", null, 5, 1, 0.9).plan(g, true, NO_SMI, false);
        assertEquals("CUDA2", value(plan.args(), "--device"));
        assertNull(value(plan.args(), "--tensor-split"));
    }

    @Test
    void derivesGpuLayersFromTheMemoryFractionAndLayerSizes() {
        GgufFile g = GgufFile.read(TestModels.randomChat()); // 2 layers, embedding 64, 4 heads
        long[] layers = g.layerBytes();
        long kv = 2L * 2 * 256 * 64 * 2; // K and V, 2 layers, 256 positions, 64 values, f16
        long oneAndAHalf = kv + layers[0] + layers[1] / 2;
        long everything = kv + layers[0] + layers[1] + g.nonLayerBytes();

        assertEquals(1, settings(1, null, "auto", 256, null, 1, 0.5)
                .plan(g, true, () -> new long[] {2 * oneAndAHalf}, false).gpuLayers());
        assertEquals(3, settings(1, null, "auto", 256, null, 1, 1.0)
                .plan(g, true, () -> new long[] {everything}, false).gpuLayers(), "all layers plus the output");
        assertEquals(0, settings(1, null, "auto", 256, null, 1, 1.0)
                .plan(g, true, () -> new long[] {kv}, false).gpuLayers());
        assertEquals(2, settings(2, null, "auto", 256, null, 1, 1.0)
                .plan(g, true, () -> new long[] {everything / 2, everything / 2 - 1}, false).gpuLayers(),
                "free memory is summed over the chosen devices");
    }

    @Test
    void rejectsADeviceTheMachineDoesNotHave() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> settings(1, "5", "auto", null, null, 1, 0.9).plan(g, true, () -> new long[] {1L << 30, 1L << 30},
                        false));
        assertEquals("Unknown device CUDA5: this machine has 2 GPU(s) (CUDA0..CUDA1)", e.getMessage());
    }

    @Test
    void saysWhyLayersCannotBeDerivedWithoutNvidiaSmi() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> settings(1, null, "auto", null, null, 1, 0.9).plan(g, true, NO_SMI, false));
        assertEquals("Cannot derive gpuLayers from gpuMemoryUtilization 0.9: nvidia-smi is not available (not found);"
                + " set gpuLayers explicitly", e.getMessage());
    }

    @Test
    void dtypeSetsTheKvCachePrecision() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        List<String> args = settings(0, null, "bfloat16", null, null, 1, 0.9).plan(g, false, NO_SMI, false).args();
        assertEquals("bf16", value(args, "--cache-type-k"));
        assertEquals("bf16", value(args, "--cache-type-v"));
        assertEquals("f32", value(settings(0, null, "float32", null, null, 1, 0.9)
                .plan(g, false, NO_SMI, false).args(), "--cache-type-k"));
    }

    @Test
    void rejectsImpossibleSettingsNamingThem() {
        assertEquals("dtype \"int4\" is not supported; use auto, float16, bfloat16 or float32",
                message(() -> settings(0, null, "int4", null, null, 1, 0.9)));
        assertEquals("cudaVisibleDevices \"0,x\" must be a comma-separated list of device numbers such as \"0,1\";"
                + " \"x\" is not one", message(() -> settings(1, "0,x", "auto", null, null, 1, 0.9)));
        assertEquals("cudaVisibleDevices \"1,1\" lists device 1 twice",
                message(() -> settings(1, "1,1", "auto", null, null, 1, 0.9)));
        assertEquals("cudaVisibleDevices \"0\" is set but numGpus is 0: set numGpus to use GPUs",
                message(() -> settings(0, "0", "auto", null, null, 1, 0.9)));
        assertEquals("gpuMemoryUtilization must be in (0, 1], but was 1.5",
                message(() -> settings(0, null, "auto", null, null, 1, 1.5)));
        assertEquals("gpuLayers 4 needs numGpus of 1 or more", message(() -> settings(0, null, "auto", null, 4, 1, 0.9)));
        assertEquals("maxModelLen must be at least 16 tokens, but was 8",
                message(() -> settings(0, null, "auto", 8, null, 1, 0.9)));
        assertEquals("parallelSlots must be between 1 and 256, but was 0",
                message(() -> settings(0, null, "auto", null, null, 0, 0.9)));
        assertEquals("numGpus must be 0 or more, but was -1", message(() -> settings(-1, null, "auto", null, null, 1, 0.9)));
    }

    @Test
    void rejectsMoreGpusThanVisibleDevices() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> settings(2, "0", "auto", null, 3, 1, 0.9).plan(g, true, NO_SMI, false));
        assertEquals("numGpus 2 but cudaVisibleDevices \"0\" lists only 1 device(s)", e.getMessage());
    }

    private static String message(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(InvalidRequestException.class, e).getMessage();
    }
}
