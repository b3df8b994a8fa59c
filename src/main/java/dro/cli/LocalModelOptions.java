package dro.cli;

import dro.AutoModel;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The settings of a local llama.cpp model, shared by every command that loads one. */
final class LocalModelOptions {

    @Option(names = "--num-gpus", defaultValue = "0", description = "GPUs for local models (default: 0, the CPU);"
            + " above 0 uses the CUDA build of 'dro native build --cuda'.")
    int numGpus;

    @Option(names = "--cuda-visible-devices", paramLabel = "LIST", description = "CUDA devices for local models,"
            + " e.g. 0,1.")
    String cudaVisibleDevices;

    @Option(names = "--gpu-layers", paramLabel = "N", description = "Layers to offload to the GPUs.")
    Integer gpuLayers;

    @Option(names = "--gpu-memory-utilization", defaultValue = "0.9", paramLabel = "FRACTION",
            description = "Fraction of free GPU memory to fill when --gpu-layers is not given (default: 0.9).")
    double gpuMemoryUtilization;

    @Option(names = "--dtype", defaultValue = "auto", description = "KV cache precision: auto, float16, bfloat16,"
            + " float32 (default: auto).")
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

    /** Puts these settings on a builder. */
    AutoModel.Builder apply(AutoModel.Builder b) {
        if (nativeLog) {
            System.setProperty("dro4j.native.log", "true");
        }
        b.numGpus(numGpus).cudaVisibleDevices(cudaVisibleDevices).dtype(dtype)
                .gpuMemoryUtilization(gpuMemoryUtilization).nativeLibraryPath(nativeLibPath);
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
