package dro.backend.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.backend.ChatModel;
import dro.backend.ModelCapabilities.Capability;
import dro.backend.RetryPolicy;
import dro.backend.RetryingChatModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.ApiConnectionException;
import dro.ApiException;
import dro.ApiTimeoutException;
import dro.AuthenticationException;
import dro.BadRequestException;
import dro.InvalidRequestException;
import dro.InvalidResponseException;
import dro.ModelNotFoundException;
import dro.RateLimitException;
import dro.ServerErrorException;
import dro.Usage;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ResponseFormat;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The real openai-java client over real HTTP against {@link ScriptedOpenAiServer} on 127.0.0.1. */
class OpenAiChatClientTest {

    static final String KEY = "sk-dro4j-TEST-4f9c2e7a1b";
    static final ObjectMapper JSON = new ObjectMapper();

    ScriptedOpenAiServer server;
    final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
    RetryPolicy recordingRetries;

    @BeforeEach
    void start() {
        server = ScriptedOpenAiServer.start();
        recordingRetries = RetryPolicy.builder().sleeper(sleeps::add).build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    OpenAiChatClient.Builder clientBuilder() {
        return OpenAiChatClient.builder().model("test-model").apiKey(KEY).baseUrl(server.baseUrl());
    }

    /** A backend on {@code client} in the one retry layer, under {@code policy}. */
    static ChatModel retrying(OpenAiChatClient client, RetryPolicy policy) {
        return new RetryingChatModel(OpenAiBackend.create(client, 4), policy);
    }

    /** The client's backend in the one retry layer, its waits recorded in {@link #sleeps}. */
    ChatModel retrying() {
        return retrying(client(), recordingRetries);
    }

    static final ChatModelRequest HELLO = ChatModelRequest.builder("", "Hello?").temperature(0).build();
    static final ChatModelRequest HI = ChatModelRequest.builder("", "Hi").temperature(0).build();

    OpenAiBackend model() {
        return OpenAiBackend.create(client(), 4);
    }

    OpenAiChatClient client() {
        return clientBuilder().build();
    }

    String where() {
        return server.baseUrl() + " (model \"test-model\")";
    }

    // ---- what is sent ----

    @Test
    void sendsSystemAndUserMessagesAndEverySamplingFieldAsGiven() throws Exception {
        try (OpenAiBackend c = model()) {
            c.chat(ChatModelRequest.builder("Be terse.", "What is 2+2?").temperature(0.3).topP(0.9).maxNewTokens(77)
                    .n(2).seed(42L).stop(List.of("<END>", "###")).build());
        }
        ScriptedOpenAiServer.Request r = server.lastRequest();
        assertEquals("POST", r.method());
        assertEquals("/v1/chat/completions", r.path());
        assertEquals("Bearer " + KEY, r.header("Authorization"));
        JsonNode body = r.json();
        assertEquals(new TreeSet<>(Set.of("model", "messages", "temperature", "top_p", "max_tokens", "n", "seed",
                "stop")), fieldNames(body));
        assertEquals("test-model", body.get("model").asText());
        assertEquals(JSON.readTree("[{\"role\":\"system\",\"content\":\"Be terse.\"},"
                + "{\"role\":\"user\",\"content\":\"What is 2+2?\"}]"), body.get("messages"));
        assertEquals(0.3, body.get("temperature").doubleValue());
        assertEquals(0.9, body.get("top_p").doubleValue());
        assertEquals(77, body.get("max_tokens").intValue());
        assertEquals(2, body.get("n").intValue());
        assertEquals(42L, body.get("seed").longValue());
        assertEquals(JSON.readTree("[\"<END>\",\"###\"]"), body.get("stop"));
    }

    @Test
    void aReasoningModelGetsMaxCompletionTokensAndNoSamplingFields() throws Exception {
        try (OpenAiChatClient c = OpenAiChatClient.builder().model("o3-mini").apiKey(KEY).baseUrl(server.baseUrl())
                .reasoningModel(true).build()) {
            assertTrue(c.reasoningModel());
            OpenAiBackend.create(c, 4).chat(ChatModelRequest.builder("Be terse.", "What is 2+2?").temperature(0.0)
                    .topP(0.9).maxNewTokens(77).seed(42L).responseFormat(ResponseFormat.JSON_OBJECT)
                    .stop(List.of("<END>")).build());
        }
        JsonNode body = server.lastRequest().json();
        assertEquals(new TreeSet<>(Set.of("model", "messages", "max_completion_tokens", "n", "seed", "stop",
                "response_format")), fieldNames(body));
        assertEquals(77, body.get("max_completion_tokens").intValue());
        assertEquals("o3-mini", body.get("model").asText());
    }

    @Test
    void leavesOutAnEmptySystemMessageAndUnsetOptionalFields() throws Exception {
        try (OpenAiBackend c = model()) {
            c.chat(ChatModelRequest.builder("", "Hi").temperature(0.0).build());
        }
        JsonNode body = server.lastRequest().json();
        assertEquals(new TreeSet<>(Set.of("model", "messages", "temperature", "top_p", "max_tokens", "n")),
                fieldNames(body));
        assertEquals(JSON.readTree("[{\"role\":\"user\",\"content\":\"Hi\"}]"), body.get("messages"));
        assertEquals(0.0, body.get("temperature").doubleValue());
        assertEquals(2048, body.get("max_tokens").intValue());
        assertEquals(1, body.get("n").intValue());
    }

    @Test
    void returnsEveryOneOfTheNRepliesInOrderWithTheUsage() {
        server.enqueue(Reply.completion("first", "second", "third").withUsage(12, 9));
        ChatModelResponse r;
        try (OpenAiBackend c = model()) {
            r = c.chat(ChatModelRequest.builder("S", "U").temperature(1.0).n(3).build());
        }
        assertEquals(List.of("first", "second", "third"), r.texts());
        assertEquals("first", r.text());
        assertEquals(new Usage(12, 9, -1), r.usage());
        assertEquals(3, server.lastRequest().n());
    }

    @Test
    void aMissingUsageIsReportedAsNone() {
        server.enqueue(Reply.completion("x").withoutUsage());
        try (OpenAiBackend c = model()) {
            assertEquals(Usage.NONE, c.chat(ChatModelRequest.builder("S", "U").temperature(0).build()).usage());
        }
    }

    @Test
    void jsonModeAsksForOneJsonObject() throws Exception {
        server.enqueue(Reply.completion("{\"score\": 5}"));
        ChatModelResponse r;
        try (OpenAiBackend c = model()) {
            r = c.chat(ChatModelRequest.builder("Judge.", "Score this.").temperature(0)
                    .responseFormat(ResponseFormat.JSON_OBJECT).seed(7L).build());
        }
        assertEquals("{\"score\": 5}", r.text());
        JsonNode body = server.lastRequest().json();
        assertEquals(JSON.readTree("{\"type\":\"json_object\"}"), body.get("response_format"));
        assertEquals(7L, body.get("seed").longValue());
    }

    @Test
    void jsonSchemaModeSendsTheSchemaInStrictMode() throws Exception {
        String schema = "{\"type\": \"object\", \"properties\": {\"score\": {\"type\": \"integer\"}},"
                + " \"required\": [\"score\"], \"additionalProperties\": false}";
        server.enqueue(Reply.completion("{\"score\": 4}"));
        try (OpenAiBackend c = model()) {
            assertTrue(c.capabilities().supports(Capability.JSON_SCHEMA));
            assertEquals("{\"score\": 4}", c.chat(ChatModelRequest.builder("Judge.", "Score this.").temperature(0)
                    .responseFormat(ResponseFormat.jsonSchema(schema)).build()).text());
        }
        assertEquals(JSON.readTree("{\"type\": \"json_schema\", \"json_schema\": {\"name\": \"reply\","
                + " \"strict\": true, \"schema\": " + schema + "}}"), server.lastRequest().json().get("response_format"));
    }

    @Test
    void aSchemaThatIsNotAJsonObjectIsRefusedBeforeSendingAnything() {
        try (OpenAiBackend c = model()) {
            dro.InvalidRequestException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dro.InvalidRequestException.class, () -> c.chat(ChatModelRequest.builder("", "Hi")
                            .responseFormat(ResponseFormat.jsonSchema("[1, 2]")).build()));
            assertTrue(e.getMessage().startsWith("The response format's JSON schema is not a JSON object: \"[1, 2]\""),
                    e.getMessage());
        }
        assertEquals(0, server.requests().size());
    }

    @Test
    void rejectsMoreThanFourStopStringsBeforeSendingAnything() {
        try (OpenAiBackend c = model()) {
            ChatModelRequest five = ChatModelRequest.builder("", "Hi").temperature(0).maxNewTokens(10)
                    .stop(List.of("a", "b", "c", "d", "e")).build();
            assertEquals("stop must hold at most 4 strings for test-model, but was"
                    + " [a, b, c, d, e]", assertThrows(InvalidRequestException.class, () -> c.chat(five)).getMessage());
            c.chat(ChatModelRequest.builder("", "Hi").temperature(0).maxNewTokens(10).stop(List.of("a", "b", "c", "d"))
                    .build());
        }
        assertEquals(1, server.requests().size(), "only the request with four stop strings was sent");
    }

    // ---- faults and retries ----

    @Test
    void theClientAloneMakesOneAttemptAndSaysWhetherARetryMayHelp() {
        server.respond(r -> Reply.error(500, "The server had an error").withHeader("Retry-After", "2"));
        ServerErrorException e;
        try (OpenAiBackend c = model()) {
            e = assertThrows(ServerErrorException.class, () -> c.chat(HELLO));
        }
        assertEquals("HTTP 500 from " + where() + ": The server had an error", e.getMessage());
        assertEquals(1, e.attempts());
        assertTrue(e.isRetriable());
        assertEquals(Duration.ofSeconds(2), e.retryAfter().orElseThrow());
        assertEquals(1, server.requests().size());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void retriesARateLimitAfterTheRetryAfterSecondsThenSucceeds() {
        server.enqueue(Reply.error(429, "Rate limit reached").withHeader("Retry-After", "7"),
                Reply.completion("Hello!"));
        try (ChatModel c = retrying()) {
            assertEquals("Hello!", c.chat(HELLO).text());
        }
        assertEquals(2, server.requests().size());
        assertEquals(List.of(Duration.ofSeconds(7)), sleeps);
    }

    @Test
    void honoursRetryAfterGivenAsAnHttpDate() {
        Instant now = Instant.parse("2025-03-01T12:00:00Z");
        String in5s = DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(5).atZone(ZoneOffset.UTC));
        server.enqueue(Reply.error(503, "Overloaded").withHeader("Retry-After", in5s));
        RetryPolicy atNow = recordingRetries.toBuilder().clock(Clock.fixed(now, ZoneOffset.UTC)).build();
        try (ChatModel c = retrying(clientBuilder().clock(Clock.fixed(now, ZoneOffset.UTC)).build(), atNow)) {
            c.chat(HELLO.toBuilder().maxNewTokens(10).build());
        }
        assertEquals(List.of(Duration.ofSeconds(5)), sleeps);
    }

    @Test
    void honoursOpenAisRetryAfterMs() {
        server.enqueue(Reply.error(429, "Slow down").withHeader("retry-after-ms", "1500")
                .withHeader("Retry-After", "2"));
        try (ChatModel c = retrying()) {
            c.chat(ChatModelRequest.builder("", "Hello?").temperature(0).maxNewTokens(10).build());
        }
        assertEquals(List.of(Duration.ofMillis(1500)), sleeps);
    }

    @Test
    void aRetryAfterLongerThanTheLimitIsNotWaitedFor() {
        server.enqueue(Reply.error(429, "Daily quota used up").withHeader("Retry-After", "3600"));
        try (ChatModel c = retrying()) {
            RateLimitException e = assertThrows(RateLimitException.class,
                    () -> c.chat(HELLO));
            assertEquals("HTTP 429 from " + where() + ": Daily quota used up", e.getMessage());
            assertEquals(Duration.ofHours(1), e.retryAfter().orElseThrow());
        }
        assertEquals(1, server.requests().size());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void givesUpAfterThreeServerErrorsSayingWhatTheEndpointAnswered() {
        server.enqueue(Reply.error(500, "The server had an error"), Reply.error(500, "The server had an error"),
                Reply.error(500, "The server had an error"), Reply.completion("never reached"));
        ServerErrorException e;
        try (ChatModel c = retrying()) {
            e = assertThrows(ServerErrorException.class, () -> c.chat(HELLO));
        }
        assertEquals("HTTP 500 from " + where() + ": The server had an error; gave up after 3 attempts",
                e.getMessage());
        assertEquals(500, e.statusCode());
        assertEquals("The server had an error", e.endpointMessage());
        assertEquals(3, e.attempts());
        assertTrue(e.isRetriable(), "a caller may still try again later");
        assertEquals(3, server.requests().size());
        assertEquals(2, sleeps.size());
        assertBetween(Duration.ofMillis(375), Duration.ofMillis(500), sleeps.get(0));
        assertBetween(Duration.ofMillis(750), Duration.ofMillis(1000), sleeps.get(1));
    }

    @ParameterizedTest(name = "HTTP {0}")
    @CsvSource({
        "400, dro.BadRequestException, 'Invalid value for temperature'",
        "401, dro.AuthenticationException, 'Incorrect API key provided'",
        "403, dro.AuthenticationException, 'Project does not have access'",
        "404, dro.ModelNotFoundException, 'The model `test-model` does not exist'",
        "422, dro.BadRequestException, 'Unprocessable'"})
    void doesNotRetryWhatARetryCannotFix(int status, String type, String message) throws Exception {
        server.enqueue(Reply.error(status, message));
        ApiException e;
        try (ChatModel c = retrying()) {
            e = assertThrows(ApiException.class, () -> c.chat(HELLO));
        }
        assertSame(Class.forName(type), e.getClass());
        assertEquals("HTTP " + status + " from " + where() + ": " + message, e.getMessage());
        assertEquals(status, e.statusCode());
        assertEquals(1, e.attempts());
        assertFalse(e.isRetriable());
        assertEquals(1, server.requests().size());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void anErrorBodyInAnotherServersShapeStillGivesItsMessage() {
        server.enqueue(Reply.raw(400, "application/json", "{\"detail\":\"max_tokens is too large\"}"));
        try (ChatModel c = retrying()) {
            assertEquals("HTTP 400 from " + where() + ": max_tokens is too large", assertThrows(
                    BadRequestException.class, () -> c.chat(HI)).getMessage());
        }
    }

    @Test
    void aSlowAnswerHitsTheTimeoutAndIsRetried() {
        server.enqueue(Reply.completion("too late").withDelay(Duration.ofSeconds(3)), Reply.completion("in time"));
        try (ChatModel c = retrying(clientBuilder().timeout(Duration.ofMillis(300)).build(), recordingRetries)) {
            assertEquals("in time", c.chat(HELLO).text());
        }
        assertEquals(2, server.requests().size());
        assertEquals(1, sleeps.size());
    }

    @Test
    void timeoutsOnEveryAttemptGiveUpWithATimeoutException() {
        server.respond(r -> Reply.completion("too late").withDelay(Duration.ofSeconds(3)));
        RetryPolicy two = recordingRetries.toBuilder().maxAttempts(2).build();
        long t0 = System.nanoTime();
        ApiTimeoutException e;
        try (ChatModel c = retrying(clientBuilder().timeout(Duration.ofMillis(300)).build(), two)) {
            e = assertThrows(ApiTimeoutException.class, () -> c.chat(HELLO));
        }
        assertEquals(where() + " did not answer within 300 ms; gave up after 2 attempts", e.getMessage());
        assertEquals(-1, e.statusCode());
        assertTrue(e.isRetriable());
        assertTrue(System.nanoTime() - t0 < 2_500_000_000L, "each attempt stopped at the timeout");
        assertEquals(2, server.requests().size());
    }

    @Test
    void aBodyThatIsNotJsonIsRetriedThenReportedClearly() {
        Reply garbled = Reply.raw(200, "application/json", "this is not json");
        server.enqueue(garbled, garbled, garbled);
        ApiException e;
        try (ChatModel c = retrying()) {
            e = assertThrows(ApiException.class, () -> c.chat(HELLO));
        }
        assertSame(InvalidResponseException.class, e.getClass());
        assertEquals("The answer from " + where() + " is not a chat completion: Unrecognized token 'this': was"
                + " expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false'); gave up after 3"
                + " attempts", e.getMessage());
        assertTrue(e.isRetriable());
        assertEquals(3, server.requests().size());
    }

    @Test
    void aTruncatedBodyIsRetriedAndTheNextAnswerIsUsed() {
        server.enqueue(Reply.raw(200, "application/json", "{\"id\":\"chatcmpl-1\",\"object\":\"chat.comp"),
                Reply.completion("Fine."));
        try (ChatModel c = retrying()) {
            assertEquals("Fine.", c.chat(HELLO).text());
        }
        assertEquals(2, server.requests().size());
    }

    @Test
    void aJsonBodyWithoutChoicesIsAClearError() {
        Reply empty = Reply.raw(200, "application/json", "{\"id\":\"x\",\"choices\":[]}");
        server.enqueue(empty, empty, empty);
        try (ChatModel c = retrying()) {
            assertEquals("The answer from " + where() + " has no choices; gave up after 3 attempts",
                    assertThrows(InvalidResponseException.class,
                            () -> c.chat(HELLO)).getMessage());
        }
    }

    @Test
    void anEndpointThatIsNotListeningIsRetriedThenReported() {
        String closed = server.baseUrl();
        server.close();
        RetryPolicy two = recordingRetries.toBuilder().maxAttempts(2).build();
        try (ChatModel c = retrying(clientBuilder().baseUrl(closed).build(), two)) {
            ApiConnectionException e = assertThrows(ApiConnectionException.class, () -> c.chat(HELLO));
            assertTrue(e.getMessage().startsWith("Cannot reach " + closed + " (model \"test-model\"): "),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("; gave up after 2 attempts"), e.getMessage());
        }
        assertEquals(1, sleeps.size());
    }

    // ---- key and base URL ----

    @Test
    void aMissingKeyIsAnErrorNamingTheVariable() {
        String expected = "The environment variable OPENAI_API_KEY is not set: set it to the endpoint's API key (any"
                + " non-empty value for a server that needs none), or give apiKey(...)";
        assertEquals(expected, assertThrows(InvalidRequestException.class, () -> OpenAiChatClient.builder()
                .model("m").environment(Map.<String, String>of()::get).build()).getMessage());
        assertEquals(expected, assertThrows(InvalidRequestException.class, () -> OpenAiChatClient.builder()
                .model("m").environment(Map.of("OPENAI_API_KEY", " ")::get).build()).getMessage());
    }

    @Test
    void keyAndBaseUrlComeFromTheEnvironmentUnlessGiven() {
        Map<String, String> env = Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", server.baseUrl() + "/");
        try (OpenAiChatClient c = OpenAiChatClient.builder().model("m").environment(env::get).build()) {
            assertEquals(server.baseUrl(), c.baseUrl());
            OpenAiBackend.create(c, 4).chat(HI);
        }
        assertEquals("Bearer " + KEY, server.lastRequest().header("authorization"));

        Map<String, String> elsewhere = Map.of("OPENAI_API_KEY", "sk-env-key", "OPENAI_BASE_URL",
                "http://127.0.0.1:9/v1");
        try (OpenAiChatClient c = OpenAiChatClient.builder().model("m").environment(elsewhere::get)
                .baseUrl(server.baseUrl()).apiKey(KEY).build()) {
            OpenAiBackend.create(c, 4).chat(HI);
        }
        assertEquals("Bearer " + KEY, server.lastRequest().header("authorization"));
        assertEquals(2, server.requests().size());

        try (OpenAiChatClient c = OpenAiChatClient.builder().model("m").environment(Map.of("OPENAI_API_KEY", KEY)::get)
                .build()) {
            assertEquals("https://api.openai.com/v1", c.baseUrl());
        }
    }

    @Test
    void rejectsABaseUrlThatIsNotHttp() {
        assertEquals("baseUrl must be an http or https URL such as https://api.openai.com/v1, but was \"ftp://host/v1\"",
                assertThrows(InvalidRequestException.class, () -> clientBuilder().baseUrl("ftp://host/v1").build())
                        .getMessage());
        assertEquals("OPENAI_BASE_URL must be an http or https URL such as https://api.openai.com/v1, but was"
                + " \"localhost:8000\"", assertThrows(InvalidRequestException.class, () -> OpenAiChatClient.builder()
                .model("m").environment(Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", "localhost:8000")::get)
                .build()).getMessage());
    }

    @Test
    void theKeyIsNeverInALogLineOrAnExceptionMessage() {
        server.enqueue(
                Reply.error(429, "Rate limit for key " + KEY).withHeader("Retry-After", "0"),
                Reply.error(500, "Upstream said: Authorization: Bearer " + KEY),
                Reply.error(502, "bad gateway for bearer " + KEY),
                Reply.error(401, "Incorrect API key provided: " + KEY));
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<String> messages = new ArrayList<>();
        try (PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
             ChatModel c = retrying()) {
            System.setErr(capture);
            ServerErrorException gaveUp = assertThrows(ServerErrorException.class, () -> c.chat(HI));
            AuthenticationException refused = assertThrows(AuthenticationException.class, () -> c.chat(HI));
            for (Throwable t : List.of(gaveUp, refused)) {
                for (Throwable x = t; x != null; x = x.getCause()) {
                    messages.add(String.valueOf(x.getMessage()));
                }
            }
            assertEquals("HTTP 401 from " + where() + ": Incorrect API key provided: [redacted]",
                    refused.getMessage());
            assertEquals("HTTP 502 from " + where() + ": bad gateway for bearer [redacted]; gave up after 3 attempts",
                    gaveUp.getMessage());
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("HTTP 429 from " + where() + ": Rate limit for key [redacted]; retrying in 0 ms"),
                "the retries were logged: " + log);
        assertTrue(log.contains("HTTP 500 from " + where() + ": Upstream said: Authorization: [redacted]; retrying"),
                log);
        assertFalse(log.contains(KEY), log);
        for (String m : messages) {
            assertFalse(m.contains(KEY), m);
        }
        assertEquals("Bearer " + KEY, server.lastRequest().header("authorization"), "the key was really sent");
    }

    static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static void assertBetween(Duration min, Duration max, Duration actual) {
        assertTrue(actual.compareTo(min) >= 0 && actual.compareTo(max) <= 0,
                actual + " is not between " + min + " and " + max);
    }
}
