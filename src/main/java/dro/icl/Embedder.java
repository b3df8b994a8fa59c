package dro.icl;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns text into a sentence embedding for similarity search. Implementations are thread-safe.
 */
public interface Embedder {

    /** A stable name of the model, used as part of embedding cache keys. */
    String id();

    /** The embedding of one text. */
    float[] embed(String text);

    /** Embeddings of several texts, in order. */
    default List<float[]> embedAll(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(embed(t));
        }
        return out;
    }
}
