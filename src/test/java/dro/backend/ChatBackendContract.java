package dro.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.AutoModel;
import dro.FinishReason;
import dro.GenerateOptions;
import dro.Generation;
import dro.InvalidRequestException;
import dro.TokenStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every {@link ChatBackend} must do behind {@link AutoModel}, run once per backend by a subclass: the local
 * llama.cpp backend on the tiny scripted GGUF model, the OpenAI backend against the scripted chat-completions server.
 *
 * <p>A subclass supplies two models: {@link #scriptedModel()}, which writes {@code Hi<END>} cyclically, one character
 * per token, and {@link #queryDependentModel()}, whose answers at temperature 0 are deterministic and differ between
 * queries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ChatBackendContract {

    protected static final GenerateOptions GREEDY = GenerateOptions.builder().temperature(0).optimizedIcl(false)
            .userSpecifiedSystemPrompt("Be brief.").build();

    private AutoModel scripted;
    private AutoModel queryDependent;

    /** Writes {@code Hi<END>} cyclically, one character per token, honouring maxNewTokens and stop strings. */
    protected abstract AutoModel scriptedModel();

    /** Answers at temperature 0 that depend on the query; able to serve at least 4 requests at once. */
    protected abstract AutoModel queryDependentModel();

    @BeforeAll
    void loadModels() {
        scripted = scriptedModel();
        queryDependent = queryDependentModel();
    }

    @AfterAll
    void closeModels() {
        if (scripted != null) {
            scripted.close();
        }
        if (queryDependent != null) {
            queryDependent.close();
        }
    }

    private static GenerateOptions queryDependentOptions() {
        return GREEDY.toBuilder().stop(List.of()).maxNewTokens(24).build();
    }

    @Test
    void answersAreTheTextBeforeEndWithoutMarkers() {
        Generation g = scripted.complete("How are you?", GREEDY);
        assertEquals("Hi", g.text());
        assertEquals(FinishReason.STOP, g.finishReason());
        assertEquals(6, g.usage().completionTokens(), "H, i and the stop string <END: every token generated");
        assertTrue(g.usage().promptTokens() > 0, g.usage().toString());
    }

    @Test
    void maxNewTokensIsPassedThroughAndHonoured() {
        Generation g = scripted.complete("Count.", GREEDY.toBuilder().stop(List.of()).maxNewTokens(5).build());
        assertEquals("Hi<EN", g.text());
        assertEquals(5, g.usage().completionTokens());
        assertEquals(FinishReason.LENGTH, g.finishReason());
    }

    @Test
    void stopStringsArePassedThroughAndCutTheAnswer() {
        Generation g = scripted.complete("Count.", GREEDY.toBuilder().stop("i").build());
        assertEquals("H", g.text());
        assertEquals(FinishReason.STOP, g.finishReason());
        assertEquals("Hi<E", scripted.generate("Count.", GREEDY.toBuilder().stop("N", "D").build()));
    }

    @Test
    void streamedPiecesConcatenateToTheResult() {
        List<String> pieces = new ArrayList<>();
        Generation g = scripted.generate("Stream?", GREEDY, pieces::add);
        assertEquals(List.of("H", "i"), pieces);
        assertEquals("Hi", String.join("", pieces));
        assertEquals("Hi", g.text());
        assertEquals(FinishReason.STOP, g.finishReason());

        List<String> longer = new ArrayList<>();
        Generation raw = scripted.generate("Stream?", GREEDY.toBuilder().stop(List.of()).maxNewTokens(9).build(),
                longer::add);
        assertEquals("Hi<END>Hi", String.join("", longer));
        assertEquals("Hi", raw.text(), "the answer is cut at <END>, the pieces are what the model wrote");
    }

    @Test
    void aStreamCanBeCancelledByItsConsumer() {
        GenerateOptions endless = GREEDY.toBuilder().stop(List.of()).maxNewTokens(2000).build();
        try (TokenStream s = scripted.stream("Go on.", endless)) {
            StringBuilder seen = new StringBuilder();
            while (s.hasNext() && seen.length() < 3) {
                seen.append(s.next());
            }
            s.cancel();
            int more = 0;
            while (s.hasNext()) {
                s.next();
                more++;
            }
            assertTrue(more <= 1, "at most one more piece after cancel, got " + more);
            assertEquals(FinishReason.CANCELLED, s.result().finishReason());
        }
        assertEquals("Hi", scripted.generate("Still there?", GREEDY), "the model is usable after a cancel");
    }

    @Test
    void generateAllAnswersInQueryOrderAsSequentialCallsWould() {
        GenerateOptions o = queryDependentOptions();
        List<String> queries = List.of("Tell me 1 story.", "What is love? 22", "Explain gravity 333.", "2+2?",
                "Name 5 colours.", "Why is the sky blue? 4 4");
        List<String> sequential = queries.stream().map(q -> queryDependent.generate(q, o)).toList();
        assertEquals(sequential, queryDependent.generateAll(queries, o));
        assertTrue(sequential.stream().distinct().count() > 1, "outputs depend on the query: " + sequential);
    }

    @Test
    void concurrentCallsFromEightThreadsAllComplete() throws Exception {
        GenerateOptions o = queryDependentOptions();
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            queries.add("Question number " + i + "?");
        }
        List<String> sequential = queries.stream().map(q -> queryDependent.generate(q, o)).toList();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (String q : queries) {
                futures.add(pool.submit((Callable<String>) () -> queryDependent.generate(q, o)));
            }
            List<String> concurrent = new ArrayList<>();
            for (Future<String> f : futures) {
                concurrent.add(f.get(120, TimeUnit.SECONDS));
            }
            assertEquals(sequential, concurrent);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsAnEmptyQueryWithTheSameMessage() {
        assertEquals("query must not be empty, but was \"  \"",
                assertThrows(InvalidRequestException.class, () -> scripted.generate("  ", GREEDY)).getMessage());
        assertEquals("query must not be empty, but was null",
                assertThrows(InvalidRequestException.class, () -> scripted.stream(null, GREEDY)).getMessage());
        assertEquals("queries[1] must not be empty, but was null", assertThrows(InvalidRequestException.class,
                () -> scripted.generateAll(Arrays.asList("ok", null), GREEDY)).getMessage());
    }
}
