package dro.backend;

import dro.backend.internal.BudgetedChatModel;
import dro.backend.internal.UsageAccounting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dro.DroException;
import dro.FinishReason;
import dro.Generation;
import dro.InvalidRequestException;
import dro.TokenStream;
import dro.backend.ModelCapabilities.Capability;
import dro.internal.Json;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every {@link ChatModel} must do, run once per implementation by a subclass that supplies the fixtures: the
 * local llama.cpp model on tiny generated GGUF models, an OpenAI-compatible endpoint over real HTTP against the
 * loopback server. The suite uses nothing but the interface, so any later implementation passes it unchanged.
 *
 * <p>The fixtures' outputs are known by construction, so every expected value here is independent of the code under
 * test: the scripted model writes {@code Hi<END>} cyclically, one character per token, so the tokens it generated are
 * the characters it wrote, a stop string's included.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ChatModelContract {

    /** The script of {@link #scripted()}. */
    protected static final String SCRIPT = "Hi<END>";

    /**
     * A loopback OpenAI-compatible server that plays the contract's models for implementations that speak the
     * protocol: {@code "seeded"} answers a letter chosen by the seed, {@code "query-dependent"} a text derived from the
     * user message, {@code "slow"} answers after 5 seconds, {@code "json"} answers {@code {}} in JSON object mode and
     * {@code Hi} otherwise, and every other model follows {@link #SCRIPT}.
     */
    protected static ScriptedOpenAiServer contractServer() {
        return ScriptedOpenAiServer.start().respond(r -> {
            if ("seeded".equals(r.model())) {
                return Reply.completion(String.valueOf("abc".charAt(
                        (int) (r.json().path("seed").asLong() % 3)))).withFinishReason("length").withUsage(5, 1);
            }
            if ("query-dependent".equals(r.model())) {
                return ScriptedOpenAiServer.scriptedModel(q -> "A"
                        + Integer.toHexString(q.message("user").hashCode()) + " ").apply(r);
            }
            if ("slow".equals(r.model())) {
                return Reply.completion("late").withDelay(Duration.ofSeconds(5));
            }
            if ("json".equals(r.model())
                    && "json_schema".equals(r.json().path("response_format").path("type").asText())) {
                // follows the schema: each required property gets the first value of its enum
                JsonNode schema = r.json().path("response_format").path("json_schema").path("schema");
                com.fasterxml.jackson.databind.node.ObjectNode reply = Json.MAPPER.createObjectNode();
                schema.path("required").forEach(p -> reply.set(p.asText(),
                        schema.path("properties").path(p.asText()).path("enum").path(0)));
                return Reply.completion(reply.toString()).withFinishReason("stop").withUsage(5, 3);
            }
            if ("json".equals(r.model())) {
                return "json_object".equals(r.json().path("response_format").path("type").asText())
                        ? Reply.completion("{}").withFinishReason("stop").withUsage(5, 3)
                        : Reply.completion("Hi").withFinishReason("stop").withUsage(5, 3);
            }
            return ScriptedOpenAiServer.scriptedModel(SCRIPT).apply(r);
        });
    }

    private ChatModel scripted;
    private ChatModel seeded;
    private ChatModel queryDependent;

    /**
     * A model that answers any system and user message with {@link #SCRIPT} cyclically at temperature 0, one character
     * per token, honouring maxNewTokens, stop strings and n; in JSON object mode it answers one JSON object.
     */
    protected abstract ChatModel scripted();

    /**
     * A model whose answers at temperature 0 are deterministic and differ between user messages (with a unique most
     * frequent digit); able to serve at least 4 requests at once.
     */
    protected abstract ChatModel queryDependent();

    /** A model that at temperature 1 writes {@code a}, {@code b} or {@code c} first, chosen by the seed. */
    protected abstract ChatModel seeded();

    /**
     * A model that at temperature 0 answers {@code Hi} as free text, and whose answer in JSON object mode (if it offers
     * the mode) must be one JSON object.
     */
    protected abstract ChatModel jsonCapable();

    /** A model with the given timeout whose answer to {@code "Go on."} with 10,000 new tokens takes far longer. */
    protected abstract ChatModel slow(Duration timeout);

    @BeforeAll
    void loadModels() {
        scripted = scripted();
        seeded = seeded();
        queryDependent = queryDependent();
    }

    @AfterAll
    void closeModels() {
        if (scripted != null) {
            scripted.close();
        }
        if (seeded != null) {
            seeded.close();
        }
        if (queryDependent != null) {
            queryDependent.close();
        }
    }

    private static ChatModelRequest.Builder greedy(String user) {
        return ChatModelRequest.builder("Be brief.", user).temperature(0);
    }

    @Test
    void aBlockingCallReturnsTheTextBeforeTheStopStringAndCountsEveryTokenGenerated() {
        ChatModelResponse r = scripted.chat(greedy("How are you?").stop("<END>").build());
        assertEquals(List.of("Hi"), r.texts());
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(SCRIPT.length(), r.usage().completionTokens(), "H, i and the 5 tokens of <END>");
        assertTrue(r.usage().promptTokens() > 0, r.usage().toString());
    }

    @Test
    void maxNewTokensEndsTheReplyWithLengthAndExactlyThatManyTokens() {
        ChatModelResponse r = scripted.chat(greedy("Count.").maxNewTokens(5).build());
        assertEquals("Hi<EN", r.text());
        assertEquals(5, r.usage().completionTokens());
        assertEquals(FinishReason.LENGTH, r.finishReason());
    }

    @Test
    void theFirstOfSeveralStopStringsEndsTheReply() {
        ChatModelResponse r = scripted.chat(greedy("Count.").stop("N", "i").build());
        assertEquals("H", r.text());
        assertEquals(2, r.usage().completionTokens());
        assertEquals(FinishReason.STOP, r.finishReason());
    }

    @Test
    void nRepliesComeTogetherWithThePromptCountedOnceAndEveryCompletionSummed() {
        ChatModelResponse one = scripted.chat(greedy("Twice?").stop("<END>").build());
        ChatModelResponse three = scripted.chat(greedy("Twice?").stop("<END>").n(3).build());
        assertEquals(List.of("Hi", "Hi", "Hi"), three.texts());
        assertEquals(List.of(FinishReason.STOP, FinishReason.STOP, FinishReason.STOP), three.finishReasons());
        assertEquals(3 * SCRIPT.length(), three.usage().completionTokens());
        assertEquals(one.usage().promptTokens(), three.usage().promptTokens());
    }

    @Test
    void streamedPiecesConcatenateToTheTextOfTheBlockingCall() {
        ChatModelRequest request = greedy("Stream?").maxNewTokens(9).stop("<END>").build();
        List<String> pieces = new ArrayList<>();
        Generation g;
        try (TokenStream s = scripted.stream(request)) {
            while (s.hasNext()) {
                pieces.add(s.next());
            }
            g = s.result();
        }
        assertEquals("Hi", String.join("", pieces));
        assertEquals("Hi", g.text());
        assertEquals(FinishReason.STOP, g.finishReason());
        assertEquals(SCRIPT.length(), g.usage().completionTokens());

        try (TokenStream s = scripted.stream(greedy("Stream?").maxNewTokens(9).build())) {
            StringBuilder all = new StringBuilder();
            while (s.hasNext()) {
                all.append(s.next());
            }
            assertEquals("Hi<END>Hi", all.toString());
            assertEquals(new Generation("Hi<END>Hi", s.result().usage(), FinishReason.LENGTH), s.result());
            assertEquals(9, s.result().usage().completionTokens());
        }
    }

    @Test
    void aStreamsTokensCountInTheUsageTotalsAndSpendTheBudgetWhenItEnds() {
        UsageAccounting.Ledger ledger = new UsageAccounting.Ledger();
        BudgetedChatModel.Budget budget = new BudgetedChatModel.Budget(1);
        // not closed: closing the decorators would close the fixture
        ChatModel counted = new BudgetedChatModel(new UsageAccounting(scripted, ledger), budget);
        ChatModelRequest request = greedy("Stream and count?").maxNewTokens(9).stop("<END>").build();
        Generation g;
        try (TokenStream s = counted.stream(request)) {
            assertTrue(s.next().startsWith("H"));
            assertEquals(UsageTally.Totals.NONE, ledger.total(), "nothing is counted before the stream ends");
            assertEquals(0, budget.spent());
            s.forEachRemaining(piece -> { });
            g = s.result();
        }
        assertEquals(SCRIPT.length(), g.usage().completionTokens());
        assertTrue(g.usage().promptTokens() > 0, g.usage().toString());
        assertEquals(new UsageTally.Totals(1, g.usage().promptTokens(), SCRIPT.length(),
                Math.max(0, g.usage().evaluatedPromptTokens())), ledger.totals(scripted.modelName()));
        assertEquals(ledger.totals(scripted.modelName()), ledger.total());
        assertEquals(g.usage().totalTokens(), budget.spent());
        assertEquals(1, budget.calls());

        DroException refused = assertThrows(DroException.class, () -> counted.chat(request));
        assertEquals("BudgetExceededException", refused.getClass().getSimpleName());
        assertEquals("The token budget of 1 is spent (" + g.usage().totalTokens() + " tokens in 1 calls); run again"
                + " with a larger budget to resume where it stopped", refused.getMessage());
        assertThrows(DroException.class, () -> counted.stream(request), "a stream is refused too");
        assertEquals(1, ledger.total().calls(), "refused calls count nothing");
    }

    private static List<ChatModelRequest> queryDependentRequests(List<String> queries) {
        return queries.stream().map(q -> greedy(q).maxNewTokens(24).build()).toList();
    }

    @Test
    void aBatchAnswersInRequestOrderAsSequentialCallsWould() {
        List<ChatModelRequest> requests = queryDependentRequests(List.of("Tell me 1 story.", "What is love? 22",
                "Explain gravity 333.", "2+2?", "Name 5 colours.", "Why is the sky blue? 4 4"));
        List<String> sequential = requests.stream().map(r -> queryDependent.chat(r).text()).toList();
        assertEquals(sequential, queryDependent.chatAll(requests).stream().map(ChatModelResponse::text).toList());
        assertEquals(sequential, queryDependent.chatAllSharingPrefixes(requests).stream()
                .map(ChatModelResponse::text).toList());
        assertTrue(sequential.stream().distinct().count() > 1, "outputs depend on the query: " + sequential);
    }

    @Test
    void concurrentCallsFromEightThreadsAnswerAsSequentialCallsWould() throws Exception {
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            queries.add("Question number " + i + "?");
        }
        List<ChatModelRequest> requests = queryDependentRequests(queries);
        List<String> sequential = requests.stream().map(r -> queryDependent.chat(r).text()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (ChatModelRequest r : requests) {
                futures.add(pool.submit(() -> queryDependent.chat(r).text()));
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
    void aStreamCarriesOneReply() {
        assertThrows(InvalidRequestException.class, () -> scripted.stream(greedy("Two?").n(2).build()));
    }

    @Test
    void aStreamCanBeCancelledByItsConsumer() {
        try (TokenStream s = scripted.stream(greedy("Go on.").maxNewTokens(2000).build())) {
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
        assertEquals("Hi", scripted.chat(greedy("Still there?").stop("<END>").build()).text(),
                "the model is usable after a cancel");
    }

    @Test
    void aStreamCanBeCancelledFromAnotherThread() throws Exception {
        try (TokenStream s = scripted.stream(greedy("Go on.").maxNewTokens(2000).build())) {
            assertTrue(s.hasNext());
            s.next();
            CountDownLatch cancelled = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                s.cancel();
                cancelled.countDown();
            });
            t.start();
            assertTrue(cancelled.await(10, TimeUnit.SECONDS));
            int more = 0;
            while (s.hasNext()) {
                s.next();
                more++;
            }
            assertTrue(more <= 1, "at most one more piece after cancel, got " + more);
            assertEquals(FinishReason.CANCELLED, s.result().finishReason());
        }
    }

    @Test
    void jsonSchemaModeAnswersJsonThatFollowsTheSchemaWhereTheModelOffersIt() throws Exception {
        try (ChatModel m = jsonCapable()) {
            ChatModelRequest schema = greedy("Verdict?").maxNewTokens(64).responseFormat(ResponseFormat.jsonSchema(
                    "{\"type\": \"object\", \"properties\": {\"verdict\": {\"type\": \"string\", \"enum\":"
                    + " [\"yes\", \"no\"]}}, \"required\": [\"verdict\"], \"additionalProperties\": false}")).build();
            if (!m.capabilities().supports(Capability.JSON_SCHEMA)) {
                InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> m.chat(schema));
                assertTrue(e.getMessage().contains("JSON schema"), e.getMessage());
                return;
            }
            JsonNode node = Json.MAPPER.readTree(m.chat(schema).text());
            assertEquals(1, node.size(), node.toString());
            assertTrue(Set.of("yes", "no").contains(node.path("verdict").asText()), node.toString());
        }
    }

    @Test
    void aCallThatOutlivesTheTimeoutFailsWithARetriableError() {
        try (ChatModel slow = slow(Duration.ofMillis(200))) {
            DroException e = assertThrows(DroException.class,
                    () -> slow.chat(greedy("Go on.").maxNewTokens(10_000).build()));
            assertTrue(e.isRetriable(), e.toString());
        }
    }

    @Test
    void jsonObjectModeAnswersOneJsonObjectWhereTheModelOffersIt() throws Exception {
        try (ChatModel m = jsonCapable()) {
            ChatModelRequest.Builder b = greedy("JSON?").maxNewTokens(64);
            assertEquals("Hi", m.chat(b.build()).text(), "free text when no format is asked for");
            ChatModelRequest json = b.responseFormat(ResponseFormat.JSON_OBJECT).build();
            if (!m.capabilities().supports(Capability.JSON_OBJECT)) {
                assertThrows(InvalidRequestException.class, () -> m.chat(json));
                return;
            }
            ChatModelResponse r = m.chat(json);
            JsonNode node = Json.MAPPER.readTree(r.text());
            assertTrue(node.isObject(), r.text());
            assertEquals(FinishReason.STOP, r.finishReason(), r.text());
            try (TokenStream s = m.stream(json)) {
                StringBuilder all = new StringBuilder();
                while (s.hasNext()) {
                    all.append(s.next());
                }
                assertEquals(r.text(), all.toString(), "the stream is held to the format too");
            }
        }
    }

    @Test
    void theSameSeedSamplesTheSameReplyAndSeedsDiffer() {
        assertTrue(seeded.capabilities().supports(Capability.SEED));
        Set<String> seen = new HashSet<>();
        for (long seed = 1; seed <= 12; seed++) {
            ChatModelRequest r = ChatModelRequest.builder("", "Pick.").temperature(1).maxNewTokens(1).seed(seed)
                    .build();
            String first = seeded.chat(r).text();
            assertEquals(first, seeded.chat(r).text(), "seed " + seed);
            assertTrue(Set.of("a", "b", "c").contains(first), first);
            seen.add(first);
        }
        assertTrue(seen.size() > 1, "every seed gave " + seen);
    }

    @Test
    void aRequestBeyondTheCapabilitiesIsRefusedNamingTheFeature() {
        ModelCapabilities c = scripted.capabilities();
        if (!c.supports(Capability.RAW_PROMPT)) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> scripted.chat(greedy("Raw?").rawPrompt(true).build()));
            assertTrue(e.getMessage().contains("raw prompt"), e.getMessage());
        }
        if (!c.supports(Capability.JSON_SCHEMA)) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> scripted.chat(greedy("S?")
                    .responseFormat(ResponseFormat.jsonSchema("{\"type\":\"object\"}")).build()));
            assertTrue(e.getMessage().contains("JSON schema"), e.getMessage());
        }
        if (!c.supports(Capability.MULTI_TURN)) {
            assertThrows(InvalidRequestException.class, () -> scripted.chat(ChatModelRequest.builder()
                    .addMessage(ChatMessage.user("a")).addMessage(ChatMessage.assistant("b"))
                    .addMessage(ChatMessage.user("c")).build()));
        }
        assertFalse(c.maxStopStrings() < 1);
    }

    @Test
    void badRequestsAreRefusedBeforeAnythingIsSent() {
        assertEquals("n must be at least 1, but was 0",
                assertThrows(InvalidRequestException.class, () -> greedy("x").n(0).build()).getMessage());
        assertEquals("temperature must be between 0.0 and 2.0, but was 3.0",
                assertThrows(InvalidRequestException.class, () -> greedy("x").temperature(3).build()).getMessage());
        assertThrows(InvalidRequestException.class, () -> scripted.chat(null));
    }
}
