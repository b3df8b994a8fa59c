package dro.cli;

import dro.AutoModel;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The llama.cpp settings of commands whose roles may be local GGUF files (a picocli mixin). */
final class LocalModelOptions {

    @Option(names = "--num-gpus", defaultValue = "0", description = "GPUs for local models (default: 0).")
    int numGpus;

    @Option(names = "--cuda-visible-devices", paramLabel = "LIST", description = "CUDA devices for local models.")
    String cudaVisibleDevices;

    @Option(names = "--gpu-memory-utilization", defaultValue = "0.9", description = "For local models (default: 0.9).")
    double gpuMemoryUtilization;

    @Option(names = "--max-model-len", paramLabel = "TOKENS", description = "Context per request for local models.")
    Integer maxModelLen;

    @Option(names = "--threads", description = "CPU threads for local models.")
    Integer threads;

    /** A builder for a local model that serves up to {@code concurrency} requests at once (at most 8). */
    AutoModel.Builder builder(Path gguf, int concurrency) {
        AutoModel.Builder b = AutoModel.builder().model(gguf).numGpus(numGpus).cudaVisibleDevices(cudaVisibleDevices)
                .gpuMemoryUtilization(gpuMemoryUtilization).parallelSlots(Math.max(1, Math.min(concurrency, 8)));
        if (maxModelLen != null) {
            b.maxModelLen(maxModelLen);
        }
        if (threads != null) {
            b.threads(threads);
        }
        return b;
    }
}
