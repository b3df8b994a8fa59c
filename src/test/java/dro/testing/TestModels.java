package dro.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Tiny GGUF models written once per test JVM into a temporary directory (deleted at exit).
 */
public final class TestModels {

    /** What the scripted models say, cyclically. */
    public static final String SCRIPT = "Hi<END>";

    private static Path dir;

    private TestModels() { }

    /** A scripted model with the test chat template ({@link TinyGguf#CHAT_TEMPLATE}). */
    public static synchronized Path scriptedChat() {
        return file("scripted-chat.gguf", p -> TinyGguf.scripted(p, SCRIPT, TinyGguf.CHAT_TEMPLATE, 16384));
    }

    /** A scripted base model (no chat template). */
    public static synchronized Path scriptedBase() {
        return file("scripted-base.gguf", p -> TinyGguf.scripted(p, SCRIPT, null, 16384));
    }

    /** A random-weight chat model whose output depends on the whole prompt. */
    public static synchronized Path randomChat() {
        return file("random-chat.gguf", p -> TinyGguf.random(p, 7, 64, 2, 4, 128, 4096, TinyGguf.CHAT_TEMPLATE));
    }

    /**
     * A chat model that answers with the most frequent digit of its context, repeated (see
     * {@link TinyGguf#majorityDigit}); its greedy answers do not depend on how requests are batched.
     */
    public static synchronized Path majorityDigitChat() {
        return file("majority-digit-chat.gguf",
                p -> TinyGguf.majorityDigit(p, SCRIPT, TinyGguf.CHAT_TEMPLATE, 16384));
    }

    /** The directory the models are in, for tests that write files of their own beside them. */
    public static synchronized Path dir() {
        if (dir == null) {
            try {
                dir = Files.createTempDirectory("dro4j-models");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path d = dir;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(d)));
        }
        return dir;
    }

    private interface Writer {
        Path write(Path p) throws IOException;
    }

    private static Path file(String name, Writer w) {
        Path p = dir().resolve(name);
        if (!Files.exists(p)) {
            try {
                w.write(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }

    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
