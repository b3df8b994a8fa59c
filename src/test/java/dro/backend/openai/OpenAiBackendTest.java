package dro.backend.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.backend.RetryPolicy;
import dro.backend.RetryingChatModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.ApiTimeoutException;
import dro.BadRequestException;
import dro.FinishReason;
import dro.Generation;
import dro.InvalidRequestException;
import dro.RateLimitException;
import dro.TokenStream;
import dro.Usage;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The backend AutoModel uses, over real HTTP against {@link ScriptedOpenAiServer}. */
class OpenAiBackendTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> STOP = List.of("<END>", "<END", "<|eot_id|>");

    ScriptedOpenAiServer server;
    final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void start() {
        server = ScriptedOpenAiServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    OpenAiBackend backend(int maxConcurrency, Duration timeout) {
        OpenAiChatClient client = OpenAiChatClient.builder().model("test-model").apiKey("sk-test-key")
                .baseUrl(server.baseUrl()).timeout(timeout).build();
        return OpenAiBackend.create(client, maxConcurrency);
    }

    OpenAiBackend backend() {
        return backend(4, null);
    }

    /** The backend in the one retry layer, its waits recorded in {@link #sleeps}. */
    ChatModel retrying() {
        return new RetryingChatModel(backend(), RetryPolicy.builder().sleeper(sleeps::add).build());
    }

    static ChatModelRequest request(String user) {
        return req("Be helpful.", user, 0.0, 1.0, 64, STOP, null);
    }

    static ChatModelRequest req(String system, String user, double temperature, double topP, int maxNewTokens,
                                List<String> stop, Long seed) {
        return ChatModelRequest.builder(system, user).temperature(temperature).topP(topP).maxNewTokens(maxNewTokens)
                .stop(stop).seed(seed).build();
    }

    static Generation generate(ChatModel model, ChatModelRequest request) {
        ChatModelResponse r = model.chat(request);
        return new Generation(r.text(), r.usage(), r.finishReason());
    }

    @Test
    void thePromptIsTheMessagesAsJson() {
        try (OpenAiBackend b = backend()) {
            assertEquals("[{\"role\":\"system\",\"content\":\"Be \\\"kind\\\".\\n\"},"
                    + "{\"role\":\"user\",\"content\":\"# Query:\\nHi\\n\\n# Answer:\\n<START>\"}]",
                    b.renderPrompt(req("Be \"kind\".\n", "# Query:\nHi\n\n# Answer:\n<START>", 0, 1, 64, STOP, null)));
        }
        assertEquals(List.of(), server.requests(), "rendering sends nothing");
    }

    @Test
    void generateSendsOneReplyRequestWithTheSettingsAndReturnsTheRawTextAndUsage() throws Exception {
        server.enqueue(Reply.completion("<START>\nHello.").withUsage(40, 3));
        Generation g;
        try (OpenAiBackend b = backend()) {
            g = generate(b, req("S", "U", 0.7, 0.95, 512, STOP, 11L));
        }
        assertEquals(new Generation("<START>\nHello.", new Usage(40, 3, -1), FinishReason.STOP), g);
        JsonNode body = server.lastRequest().json();
        assertEquals(new TreeSet<>(Set.of("model", "messages", "temperature", "top_p", "max_tokens", "n", "seed",
                "stop")), OpenAiChatClientTest.fieldNames(body));
        assertEquals(JSON.readTree("[{\"role\":\"system\",\"content\":\"S\"},{\"role\":\"user\",\"content\":\"U\"}]"),
                body.get("messages"));
        assertEquals(0.7, body.get("temperature").doubleValue());
        assertEquals(0.95, body.get("top_p").doubleValue());
        assertEquals(512, body.get("max_tokens").intValue());
        assertEquals(1, body.get("n").intValue());
        assertEquals(11L, body.get("seed").longValue());
        assertEquals(JSON.valueToTree(STOP), body.get("stop"));
    }

    @Test
    void aLengthFinishIsReported() {
        server.enqueue(Reply.completion("cut sho").withFinishReason("length"));
        try (OpenAiBackend b = backend()) {
            assertEquals(FinishReason.LENGTH, generate(b, request("Go on.")).finishReason());
        }
    }

    @Test
    void streamingAsksForServerSentEventsWithUsageAndHandsOutPiecesAsTheyCome() throws Exception {
        server.enqueue(Reply.completion("Hello there").withPieceSize(4).withUsage(21, 3));
        List<String> pieces = new ArrayList<>();
        Generation g;
        try (OpenAiBackend b = backend(); TokenStream s = b.stream(request("Hi?"))) {
            while (s.hasNext()) {
                pieces.add(s.next());
            }
            g = s.result();
        }
        assertEquals(List.of("Hell", "o th", "ere"), pieces);
        assertEquals(new Generation("Hello there", new Usage(21, 3, -1), FinishReason.STOP), g);
        JsonNode body = server.lastRequest().json();
        assertTrue(body.get("stream").asBoolean());
        assertEquals(JSON.readTree("{\"include_usage\":true}"), body.get("stream_options"));
    }

    @Test
    void aStreamWithoutAUsageChunkReportsNoUsage() {
        server.enqueue(Reply.completion("Hi").withoutUsage().withFinishReason("length"));
        try (OpenAiBackend b = backend(); TokenStream s = b.stream(request("Hi?"))) {
            while (s.hasNext()) {
                s.next();
            }
            assertEquals(new Generation("Hi", Usage.NONE, FinishReason.LENGTH), s.result());
        }
    }

    @Test
    void aRateLimitBeforeTheStreamOpensIsRetried() {
        server.enqueue(Reply.error(429, "Slow down").withHeader("Retry-After", "1"), Reply.completion("Hi"));
        StringBuilder text = new StringBuilder();
        try (ChatModel b = retrying(); TokenStream s = b.stream(request("Hi?"))) {
            s.forEachRemaining(text::append);
        }
        assertEquals("Hi", text.toString());
        assertEquals(List.of(Duration.ofSeconds(1)), sleeps);
        assertEquals(2, server.requests().size());
    }

    @Test
    void aStreamThatRunsPastTheTimeoutFailsWithATimeoutException() {
        server.enqueue(Reply.completion("0123456789").withPieceDelay(Duration.ofMillis(150)));
        List<String> pieces = new ArrayList<>();
        try (OpenAiBackend b = backend(4, Duration.ofMillis(500)); TokenStream s = b.stream(request("Count."))) {
            ApiTimeoutException e = assertThrows(ApiTimeoutException.class, () -> {
                while (s.hasNext()) {
                    pieces.add(s.next());
                }
            });
            assertEquals(server.baseUrl() + " (model \"test-model\") did not answer within 500 ms", e.getMessage());
            assertEquals(FinishReason.CANCELLED, s.result().finishReason());
        }
        assertTrue(pieces.size() >= 1 && pieces.size() < 10, "pieces before the timeout: " + pieces);
        assertEquals(1, server.requests().size(), "a stream that has handed out pieces is not retried");
    }

    @Test
    void aStreamCanBeCancelledFromAnotherThread() throws Exception {
        server.enqueue(Reply.completion("x".repeat(500)).withPieceDelay(Duration.ofMillis(5)));
        try (OpenAiBackend b = backend()) {
            TokenStream s = b.stream(request("Go on."));
            s.next();
            Thread t = new Thread(s::cancel);
            t.start();
            t.join();
            int more = 0;
            while (s.hasNext()) {
                s.next();
                more++;
            }
            assertTrue(more <= 1, "at most one more piece after cancel, got " + more);
            Generation g = s.result();
            assertEquals(FinishReason.CANCELLED, g.finishReason());
            assertTrue(g.text().length() <= 2, g.text());
            s.close();
            assertEquals("Hi", generate(b, request("Still there?")).text(),
                    "the backend is usable after a cancel");
        }
    }

    @Test
    void generateAllSendsAtMostMaxConcurrencyRequestsAtOnceAndKeepsTheOrder() {
        server.respond(r -> Reply.completion("answer to " + r.message("user")).withDelay(Duration.ofMillis(150)));
        List<ChatModelRequest> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(request("q" + i));
        }
        List<Generation> out;
        try (OpenAiBackend b = backend(2, null)) {
            out = b.chatAll(requests).stream().map(r -> new Generation(r.text(), r.usage(), r.finishReason())).toList();
        }
        assertEquals(List.of("answer to q0", "answer to q1", "answer to q2", "answer to q3", "answer to q4",
                "answer to q5"), out.stream().map(Generation::text).toList());
        assertEquals(2, server.maxConcurrentRequests());
        assertEquals(6, server.requests().size());
    }

    @Test
    void generateAllChecksEveryRequestBeforeSendingAny() {
        ChatModelRequest tooManyStops = req("S", "U", 0, 1, 10, List.of("a", "b", "c", "d", "e"), null);
        try (OpenAiBackend b = backend()) {
            assertEquals("stop must hold at most 4 strings for test-model, but was"
                    + " [a, b, c, d, e]", assertThrows(InvalidRequestException.class,
                    () -> b.chatAll(List.of(request("fine"), tooManyStops))).getMessage());
        }
        assertEquals(List.of(), server.requests());
    }

    @Test
    void generateAllFailsWithTheFailureOfARequest() {
        server.respond(r -> r.message("user").equals("bad") ? Reply.error(400, "bad query")
                : Reply.completion("fine"));
        try (OpenAiBackend b = backend()) {
            BadRequestException e = assertThrows(BadRequestException.class,
                    () -> b.chatAll(List.of(request("good"), request("bad"), request("good"))));
            assertEquals("bad query", e.endpointMessage());
        }
    }

    @Test
    void rejectsAConcurrencyOutOfRange() {
        OpenAiChatClient client = OpenAiChatClient.builder().model("m").apiKey("k").baseUrl(server.baseUrl()).build();
        try (client) {
            assertEquals("maxConcurrency must be between 1 and 256, but was 0", assertThrows(
                    InvalidRequestException.class, () -> OpenAiBackend.create(client, 0)).getMessage());
        }
    }

    @Test
    void aRateLimitAskingForTooLongAWaitFailsTheStreamAtOnce() {
        server.enqueue(Reply.error(429, "quota").withHeader("Retry-After", "999"));
        try (ChatModel b = retrying()) {
            assertThrows(RateLimitException.class, () -> b.stream(request("Hi?")));
        }
        assertEquals(1, server.requests().size());
    }
}
