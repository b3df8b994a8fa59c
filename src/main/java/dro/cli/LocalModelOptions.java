package dro.cli;

import dro.AutoModel;
import dro.backend.llamacpp.LlamaCppSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The settings of a local llama.cpp model, shared by every command that loads one. */
final class LocalModelOptions {

    @Option(names = "--num-gpus", description = "GPUs for local models (default: 0, the CPU);"
            + " above 0 uses the CUDA build of 'dro native build --cuda'.")
    Integer numGpus;

    @Option(names = "--cuda-visible-devices", paramLabel = "LIST", description = "CUDA devices for local models,"
            + " e.g. 0,1.")
    String cudaVisibleDevices;

    @Option(names = "--gpu-layers", paramLabel = "N", description = "Layers to offload to the GPUs.")
    Integer gpuLayers;

    @Option(names = "--gpu-memory-utilization", paramLabel = "FRACTION",
            description = "Fraction of free GPU memory to fill when --gpu-layers is not given (default: "
                    + LlamaCppSettings.DEFAULT_GPU_MEMORY_UTILIZATION + ").")
    Double gpuMemoryUtilization;

    @Option(names = "--dtype", description = "KV cache precision: auto, float16, bfloat16, float32 (default: "
            + LlamaCppSettings.DEFAULT_DTYPE + ").")
    String dtype;

    @Option(names = "--max-model-len", paramLabel = "TOKENS", description = "Context per request for local models.")
    Integer maxModelLen;

    @Option(names = "--threads", description = "CPU threads for local models (default: all).")
    Integer threads;

    @Option(names = "--native-lib-path", paramLabel = "DIR",
            description = "Directory with a jllama library to load instead of the one dro4j chooses (see 'dro"
                    + " native info').")
    Path nativeLibPath;

    @Option(names = "--native-log", description = "Show llama.cpp's own log on standard error.")
    boolean nativeLog;

    /** A builder for a local model (a file or a name) that serves up to {@code concurrency} requests at once (at most 8). */
    AutoModel.Builder builder(String model, int concurrency) {
        return apply(AutoModel.builder().model(model)).parallelSlots(Math.max(1, Math.min(concurrency, 8)));
    }

    /** Puts the settings given on a builder (the builder refuses those its kind of model cannot honour). */
    AutoModel.Builder apply(AutoModel.Builder b) {
        if (nativeLog) {
            System.setProperty("dro4j.native.log", "true");
        }
        b.cudaVisibleDevices(cudaVisibleDevices).dtype(dtype).nativeLibraryPath(nativeLibPath);
        if (numGpus != null) {
            b.numGpus(numGpus);
        }
        if (gpuMemoryUtilization != null) {
            b.gpuMemoryUtilization(gpuMemoryUtilization);
        }
        if (gpuLayers != null) {
            b.gpuLayers(gpuLayers);
        }
        if (maxModelLen != null) {
            b.maxModelLen(maxModelLen);
        }
        if (threads != null) {
            b.threads(threads);
        }
        return b;
    }
}
