package dro.backend.llamacpp;

import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.CacheType;
import de.kherud.llama.args.GpuSplitMode;
import dro.InvalidRequestException;
import dro.ModelLoadException;
import dro.gguf.GgufFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How to run a GGUF model with llama.cpp, in the original's terms ({@code num_gpus}, {@code cuda_visible_devices},
 * {@code dtype}, {@code gpu_memory_utilization}, {@code max_model_len}, {@code timeout}) plus llama.cpp's own
 * ({@code gpuLayers}, threads, parallel slots), and how those map to llama.cpp parameters ({@link #plan}).
 *
 * <ul>
 *   <li>{@code maxModelLen}: tokens of context per request (prompt plus answer). Each parallel slot gets this much, so
 *   llama.cpp's context is {@code maxModelLen × parallelSlots}, plus, with several slots, room for one more batch of
 *   512 tokens and at least 2,560 in all (the slots share one cache, which fragments; see {@link #kvCells}). Default:
 *   the model's trained context, at most 4096.</li>
 *   <li>{@code numGpus} / {@code cudaVisibleDevices}: which CUDA devices llama.cpp uses ({@code --device CUDA<i>});
 *   several devices split the layers evenly ({@code --split-mode layer --tensor-split 1,1,...}). The environment
 *   variable {@code CUDA_VISIBLE_DEVICES} cannot be changed inside a running JVM, so this is how devices are chosen.</li>
 *   <li>{@code gpuLayers}: layers offloaded; when not given and GPUs are used, as many layers as fit in
 *   {@code gpuMemoryUtilization × free memory} of the chosen devices, after the KV cache.</li>
 *   <li>{@code dtype}: precision of the KV cache ({@code auto} keeps llama.cpp's default, f16); the weights' precision
 *   is fixed by the GGUF file's quantisation.</li>
 * </ul>
 *
 * @param timeout per-request limit for a local generation, checked between generated tokens; null for none
 */
public record LlamaCppSettings(Path modelPath, int numGpus, String cudaVisibleDevices, String dtype,
                               double gpuMemoryUtilization, Integer maxModelLen, Duration timeout, Integer gpuLayers,
                               Integer threads, int parallelSlots) {

    private static final Logger log = LoggerFactory.getLogger(LlamaCppSettings.class);
    static final int DEFAULT_MAX_CONTEXT = 4096;
    /** The KV cache precision when none is given: llama.cpp's own. */
    public static final String DEFAULT_DTYPE = "auto";
    /** The fraction of free GPU memory to fill with layers when no layer count is given. */
    public static final double DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

    /** llama.cpp parameters derived for one model, with the figures they came from. */
    public record Plan(ModelParameters parameters, int contextPerSlot, int parallelSlots, int gpuLayers,
                       List<Integer> devices) {

        /** The parameters as llama.cpp receives them on its command line. */
        public List<String> args() {
            List<String> a = new ArrayList<>(Arrays.asList(parameters.toArray()));
            a.remove(0);
            return a;
        }
    }

    /** Checks every setting that can be checked without the model file. */
    public LlamaCppSettings {
        if (numGpus < 0) {
            throw new InvalidRequestException("numGpus must be 0 or more, but was " + numGpus);
        }
        if (Double.isNaN(gpuMemoryUtilization) || gpuMemoryUtilization <= 0 || gpuMemoryUtilization > 1) {
            throw new InvalidRequestException("gpuMemoryUtilization must be in (0, 1], but was " + gpuMemoryUtilization);
        }
        if (maxModelLen != null && maxModelLen < 16) {
            throw new InvalidRequestException("maxModelLen must be at least 16 tokens, but was " + maxModelLen);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new InvalidRequestException("timeout must be positive, but was " + timeout);
        }
        if (gpuLayers != null && gpuLayers < 0) {
            throw new InvalidRequestException("gpuLayers must be 0 or more, but was " + gpuLayers);
        }
        if (threads != null && (threads < 1 || threads > 1024)) {
            throw new InvalidRequestException("threads must be between 1 and 1024, but was " + threads);
        }
        if (parallelSlots < 1 || parallelSlots > 256) {
            throw new InvalidRequestException("parallelSlots must be between 1 and 256, but was " + parallelSlots);
        }
        cacheType(dtype); // validates
        parseDevices(cudaVisibleDevices); // validates
        if (numGpus == 0 && cudaVisibleDevices != null) {
            throw new InvalidRequestException("cudaVisibleDevices \"" + cudaVisibleDevices
                    + "\" is set but numGpus is 0: set numGpus to use GPUs");
        }
        if (numGpus == 0 && gpuLayers != null && gpuLayers > 0) {
            throw new InvalidRequestException("gpuLayers " + gpuLayers + " needs numGpus of 1 or more");
        }
    }

    /**
     * Derives llama.cpp's parameters for this model file.
     *
     * @param gpuCapableLibrary whether the loaded native library can use GPUs (the bundled one cannot)
     * @param gpuInfo           free GPU memory, asked only when layers must be derived from a memory fraction
     */
    public Plan plan(GgufFile gguf, boolean gpuCapableLibrary, GpuInfo gpuInfo, boolean nativeLogs) {
        long trained = gguf.trainedContextLength().orElse((long) DEFAULT_MAX_CONTEXT);
        int ctx;
        if (maxModelLen != null) {
            if (maxModelLen > trained) {
                throw new InvalidRequestException("maxModelLen " + maxModelLen + " exceeds the context length the model"
                        + " was trained with (" + trained + " tokens, from " + gguf.path().getFileName() + ")");
            }
            ctx = maxModelLen;
        } else {
            ctx = (int) Math.min(trained, DEFAULT_MAX_CONTEXT);
        }
        long total = kvCells(ctx, parallelSlots);
        if (total > Integer.MAX_VALUE) {
            throw new InvalidRequestException("maxModelLen " + ctx + " × parallelSlots " + parallelSlots
                    + " is too large a context");
        }
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        ModelParameters p = new ModelParameters()
                .setModel(modelPath.toAbsolutePath().toString())
                .setCtxSize((int) total)
                .setParallel(parallelSlots)
                .setThreads(nThreads)
                .setThreadsBatch(nThreads)
                .enableJinja()
                .disableContextShift()
                .skipWarmup();
        if (!nativeLogs) {
            p.disableLog();
        }
        CacheType kv = cacheType(dtype);
        if (kv != null) {
            p.setCacheTypeK(kv).setCacheTypeV(kv);
        }
        List<Integer> devices = List.of();
        int layers = 0;
        if (numGpus > 0) {
            if (!gpuCapableLibrary) {
                throw new InvalidRequestException("numGpus " + numGpus + " asks for GPUs, but the loaded llama.cpp"
                        + " library is CPU-only (the one bundled with de.kherud:llama, or a host build): run"
                        + " bin/dro native build --cuda (README \"Scaling\"), or set numGpus to 0");
            }
            List<Integer> visible = cudaVisibleDevices == null ? null : parseDevices(cudaVisibleDevices);
            if (visible != null && visible.size() < numGpus) {
                throw new InvalidRequestException("numGpus " + numGpus + " but cudaVisibleDevices \""
                        + cudaVisibleDevices + "\" lists only " + visible.size() + " device(s)");
            }
            List<Integer> use = new ArrayList<>();
            for (int i = 0; i < numGpus; i++) {
                use.add(visible == null ? i : visible.get(i));
            }
            devices = List.copyOf(use);
            StringBuilder names = new StringBuilder();
            for (int d : devices) {
                names.append(names.length() == 0 ? "" : ",").append("CUDA").append(d);
            }
            p.setDevices(names.toString()).setMainGpu(0);
            if (numGpus > 1) {
                p.setSplitMode(GpuSplitMode.LAYER).setTensorSplit(String.join(",",
                        java.util.Collections.nCopies(numGpus, "1")));
            }
            layers = gpuLayers != null ? gpuLayers : deriveGpuLayers(gguf, devices, gpuInfo, total, kv);
        }
        if (numGpus > 0 || gpuCapableLibrary) {
            p.setGpuLayers(layers); // a CPU-only build warns on stderr about any --gpu-layers
        }
        return new Plan(p, ctx, parallelSlots, layers, devices);
    }

    /** Spare KV cells with several slots: room for one batch of llama.cpp's (its default {@code n_ubatch}). */
    static final int SHARED_CACHE_SLACK = 512;
    /** llama.cpp defragments its KV cache only when it attends to at least this many cells. */
    static final int DEFRAG_MIN_CELLS = 2048;

    /**
     * KV cells for {@code slots} requests of {@code ctx} tokens. With one slot, exactly {@code ctx}. With several,
     * llama.cpp's cache is shared: the cells of one request lie between those of others, and a batch needs
     * contiguous free cells, so a cache that holds exactly {@code ctx × slots} can fail a batch though the requests
     * fit ("failed to prepare ubatch"). It gets room for one more batch, and at least enough cells that llama.cpp
     * defragments it before that room is used up.
     */
    static long kvCells(int ctx, int slots) {
        long cells = (long) ctx * slots;
        return slots == 1 ? cells : Math.max(cells + SHARED_CACHE_SLACK, DEFRAG_MIN_CELLS + SHARED_CACHE_SLACK);
    }

    private int deriveGpuLayers(GgufFile gguf, List<Integer> devices, GpuInfo gpuInfo, long contextTokens,
                                CacheType kv) {
        long[] free;
        try {
            free = gpuInfo.freeMemoryBytes();
        } catch (ModelLoadException e) {
            throw new InvalidRequestException("Cannot derive gpuLayers from gpuMemoryUtilization " + gpuMemoryUtilization
                    + ": " + e.getMessage() + "; set gpuLayers explicitly");
        }
        long sum = 0;
        for (int d : devices) {
            if (d >= free.length) {
                throw new InvalidRequestException("Unknown device CUDA" + d + ": this machine has " + free.length
                        + " GPU(s) (CUDA0..CUDA" + (free.length - 1) + ")");
            }
            sum += free[d];
        }
        long budget = (long) (sum * gpuMemoryUtilization) - kvCacheBytes(gguf, contextTokens, kv);
        long[] layerBytes = gguf.layerBytes();
        long used = 0;
        int n = 0;
        for (long b : layerBytes) {
            if (used + b > budget) {
                break;
            }
            used += b;
            n++;
        }
        if (n == layerBytes.length && used + gguf.nonLayerBytes() <= budget) {
            n++; // the output layer fits too
        }
        log.info("gpuMemoryUtilization {} of {} MiB free on {} -> {} of {} layers on GPU", gpuMemoryUtilization,
                sum >> 20, devices, Math.min(n, layerBytes.length), layerBytes.length);
        return n;
    }

    /** Bytes of the K and V caches for {@code tokens} positions. */
    static long kvCacheBytes(GgufFile gguf, long tokens, CacheType kv) {
        String arch = gguf.architecture();
        long layers = gguf.blockCount().orElse(0L);
        long embd = gguf.integer(arch + ".embedding_length").orElse(0L);
        long heads = gguf.integer(arch + ".attention.head_count").orElse(1L);
        long headsKv = gguf.integer(arch + ".attention.head_count_kv").orElse(heads);
        long embdKv = heads == 0 ? embd : embd * headsKv / heads;
        int bytes = kv == CacheType.F32 ? 4 : 2;
        return 2L * layers * tokens * embdKv * bytes;
    }

    static CacheType cacheType(String dtype) {
        String d = dtype == null ? "auto" : dtype.toLowerCase(Locale.ROOT);
        return switch (d) {
            case "auto" -> null;
            case "float16", "half", "fp16", "f16" -> CacheType.F16;
            case "bfloat16", "bf16" -> CacheType.BF16;
            case "float32", "float", "fp32", "f32" -> CacheType.F32;
            default -> throw new InvalidRequestException("dtype \"" + dtype + "\" is not supported; use auto, float16,"
                    + " bfloat16 or float32");
        };
    }

    static List<Integer> parseDevices(String spec) {
        if (spec == null) {
            return null;
        }
        Set<Integer> out = new LinkedHashSet<>();
        for (String part : spec.split(",", -1)) {
            String s = part.strip();
            if (!s.matches("\\d{1,3}")) {
                throw new InvalidRequestException("cudaVisibleDevices \"" + spec + "\" must be a comma-separated list"
                        + " of device numbers such as \"0,1\"; \"" + s + "\" is not one");
            }
            if (!out.add(Integer.parseInt(s))) {
                throw new InvalidRequestException("cudaVisibleDevices \"" + spec + "\" lists device " + s + " twice");
            }
        }
        return List.copyOf(out);
    }
}
