package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dro.FinishReason;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local model reports the tokens it generated, whatever they decode to: a model whose greedy output is known by
 * construction writes {@code a€} cyclically as byte tokens ({@code a}, then the three bytes of {@code €}, which
 * llama.cpp holds back until the character is complete), and a random-weight model writes bytes that are no text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalTokenAccountingTest {

    @TempDir
    static Path tmp;

    private ChatModel euro;
    private ChatModel euroThenEnd;
    private ChatModel random;

    @BeforeAll
    void load() throws Exception {
        euro = load(TinyGguf.bigram(tmp.resolve("euro.gguf"), Map.of('\n', Map.of('a', 10f), 'a', Map.of('\u00e2', 10f),
                '\u00e2', Map.of('\u0082', 10f), '\u0082', Map.of('\u00ac', 10f), '\u00ac', Map.of('a', 10f)),
                TinyGguf.CHAT_TEMPLATE, 1024));
        euroThenEnd = load(TinyGguf.bigram(tmp.resolve("euro-end.gguf"), Map.of('\n', Map.of('a', 10f),
                'a', Map.of('\u00e2', 10f), '\u00e2', Map.of('\u0082', 10f), '\u0082', Map.of('\u00ac', 10f),
                '\u00ac', Map.of('\0', 10f)), TinyGguf.CHAT_TEMPLATE, 1024));
        random = load(TestModels.randomChat());
    }

    private static ChatModel load(Path model) {
        return LocalChatModels.load(model, 1, 1024, null);
    }

    @AfterAll
    void close() {
        for (ChatModel m : new ChatModel[] {euro, euroThenEnd, random}) {
            if (m != null) {
                m.close();
            }
        }
    }

    private static ChatModelResponse generate(ChatModel m, int maxNewTokens, List<String> stop) {
        return m.chat(ChatModelRequest.builder("", "Go.").temperature(0).maxNewTokens(maxNewTokens).stop(stop)
                .seed(1L).build());
    }

    @Test
    void aLimitThatCutsACharacterCountsEveryTokenAndEndsWithLength() {
        ChatModelResponse g = generate(euro, 6, List.of());
        assertEquals("a\u20aca", g.text(), "the two bytes of the cut character are never sent");
        assertEquals(6, g.usage().completionTokens());
        assertEquals(FinishReason.LENGTH, g.finishReason());
    }

    @Test
    void aLimitAfterWholeCharactersCountsEveryToken() {
        ChatModelResponse g = generate(euro, 8, List.of());
        assertEquals("a\u20aca\u20ac", g.text());
        assertEquals(8, g.usage().completionTokens());
        assertEquals(FinishReason.LENGTH, g.finishReason());
    }

    @Test
    void anEndOfGenerationTokenCountsAndEndsWithStop() {
        ChatModelResponse g = generate(euroThenEnd, 16, List.of());
        assertEquals("a\u20ac", g.text());
        assertEquals(5, g.usage().completionTokens(), "a, three bytes of the euro sign, the end token");
        assertEquals(FinishReason.STOP, g.finishReason());
    }

    @Test
    void aStopStringEndsWithStopAndCountsTheTokensUpToIt() {
        ChatModelResponse g = generate(euro, 16, List.of("a\u20aca"));
        assertEquals("", g.text());
        assertEquals(5, g.usage().completionTokens());
        assertEquals(FinishReason.STOP, g.finishReason());
        ChatModelResponse h = generate(euro, 16, List.of("\u20ac"));
        assertEquals("a", h.text());
        assertEquals(4, h.usage().completionTokens());
        assertEquals(FinishReason.STOP, h.finishReason());
    }

    @Test
    void aRandomWeightModelReportsExactlyMaxNewTokensWhateverItsBytesDecodeTo() {
        for (int max : new int[] {16, 128}) {
            for (long seed = 1; seed <= 3; seed++) {
                ChatModelResponse g = random.chat(ChatModelRequest.builder("", "Go " + seed + ".").temperature(1.0)
                        .maxNewTokens(max).seed(seed).build());
                assertEquals(FinishReason.LENGTH, g.finishReason(), "seed " + seed + ": " + g);
                assertEquals(max, g.usage().completionTokens(), "seed " + seed + ": " + g);
            }
        }
    }
}
