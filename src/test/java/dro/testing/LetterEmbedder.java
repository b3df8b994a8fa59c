package dro.testing;

import dro.icl.Embedder;
import java.util.Locale;

/** A tiny deterministic embedder for tests that need no ONNX model: the counts of the letters a to z. */
public final class LetterEmbedder implements Embedder {

    public static final LetterEmbedder INSTANCE = new LetterEmbedder();

    private LetterEmbedder() { }

    @Override
    public String id() {
        return "letters";
    }

    @Override
    public float[] embed(String text) {
        float[] v = new float[26];
        for (char c : text.toLowerCase(Locale.ROOT).toCharArray()) {
            if (c >= 'a' && c <= 'z') {
                v[c - 'a']++;
            }
        }
        v[0] += 0.001f; // never the zero vector
        return v;
    }
}
