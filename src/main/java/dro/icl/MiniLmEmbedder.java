package dro.icl;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dro.internal.CacheDirs;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default embedder: sentence-transformers' all-MiniLM-L6-v2 (quantised ONNX, 384 dimensions), run in-process by
 * ONNX Runtime from a model shipped inside a Maven artifact. Nothing is downloaded. The original used
 * all-mpnet-base-v2, a larger model of the same family; any {@link Embedder} can be plugged in instead.
 *
 * <p>The model is loaded once per JVM on first use (about a second) and shared.
 */
public final class MiniLmEmbedder implements Embedder {

    /** The shared instance. */
    public static final MiniLmEmbedder INSTANCE = new MiniLmEmbedder();

    private static final Logger log = LoggerFactory.getLogger(MiniLmEmbedder.class);

    private MiniLmEmbedder() { }

    private static final class Holder {
        static final AllMiniLmL6V2QuantizedEmbeddingModel MODEL = create();

        private static AllMiniLmL6V2QuantizedEmbeddingModel create() {
            // The tokenizer's native library is extracted under DJL's cache: keep it in ours, not the home directory.
            if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
                System.setProperty("DJL_CACHE_DIR", CacheDirs.root().resolve("djl").toString());
            }
            long t0 = System.nanoTime();
            AllMiniLmL6V2QuantizedEmbeddingModel m = new AllMiniLmL6V2QuantizedEmbeddingModel();
            log.debug("embedding model loaded in {} ms", (System.nanoTime() - t0) / 1_000_000);
            return m;
        }
    }

    @Override
    public String id() {
        return "all-minilm-l6-v2-q";
    }

    @Override
    public float[] embed(String text) {
        return Holder.MODEL.embed(text).content().vector();
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        return Holder.MODEL.embedAll(texts.stream().map(TextSegment::from).toList()).content().stream()
                .map(e -> e.vector()).toList();
    }
}
