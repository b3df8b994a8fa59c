package dro.backend.llamacpp;

import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Local chat models for backend tests, loaded straight from the tiny GGUF files of {@link TestModels}. */
public final class LocalChatModels {

    private LocalChatModels() { }

    /** Loads a model with 2 threads, the given slots, context and timeout (null for none), on the CPU. */
    public static LlamaCppBackend load(Path model, int slots, int context, Duration timeout) {
        return LlamaCppBackend.load(new LlamaCppSettings(model, 0, null, "auto", 0.9, context, timeout, null, 2, slots),
                null, () -> new long[0]);
    }

    /**
     * A chat model that answers {@code Hi} and ends; where {@code H} is not allowed (a JSON grammar) it prefers
     * {@code {}}, then ends, so a JSON grammar makes it answer {@code {}}.
     */
    public static synchronized Path hiOrBraces() {
        Path p = TestModels.dir().resolve("hi-or-braces-chat.gguf");
        if (!p.toFile().exists()) {
            try {
                TinyGguf.bigram(p, Map.of('\n', Map.of('H', 10f, '{', 5f), 'H', Map.of('i', 10f),
                        'i', Map.of('\0', 10f), '{', Map.of('}', 5f), '}', Map.of('\0', 5f)),
                        TinyGguf.CHAT_TEMPLATE, 4096);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }

    /**
     * A chat model that, after the generation prompt, writes {@code a}, {@code b} or {@code c} (equally likely), then
     * {@code x} forever: at temperature 1 its answer depends on the seed only.
     */
    public static synchronized Path seededChat() {
        Path p = TestModels.dir().resolve("seeded-chat.gguf");
        if (!p.toFile().exists()) {
            try {
                TinyGguf.bigram(p, Map.of('\n', Map.of('a', 10f, 'b', 10f, 'c', 10f), 'a', Map.of('x', 10f),
                        'b', Map.of('x', 10f), 'c', Map.of('x', 10f), 'x', Map.of('x', 10f)),
                        TinyGguf.CHAT_TEMPLATE, 16384);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }
}
