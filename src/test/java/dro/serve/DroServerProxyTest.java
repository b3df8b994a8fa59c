package dro.serve;

import static dro.serve.ServeTesting.ICL;
import static dro.serve.ServeTesting.OPTIMISED;
import static dro.serve.ServeTesting.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.TokenStream;
import dro.Usage;
import dro.backend.ChatModelResponse;
import dro.testing.LetterEmbedder;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server in proxy mode, in front of {@link ScriptedOpenAiServer}: the upstream receives exactly what
 * {@link AutoModel} sends for the same query; its failures reach the client as OpenAI-format 502/504; a client's
 * mistakes are 400s naming the field.
 */
class DroServerProxyTest {

    static final String MODEL = "upstream-model";
    static final String QUERY = "Name a bird that cannot fly.";

    @TempDir
    Path cache;

    ScriptedOpenAiServer upstream;
    AutoModel auto;
    DroServer server;
    OpenAIClient client;

    @BeforeEach
    void start() {
        upstream = ScriptedOpenAiServer.start();
        auto = AutoModel.builder().openAiModel(true).model(MODEL).apiKey("sk-upstream-1").baseUrl(upstream.baseUrl())
                .optimizedPrompt(OPTIMISED).iclExamples(ICL).embedder(LetterEmbedder.INSTANCE)
                .embeddingCacheDir(cache).maxAttempts(1).timeout(Duration.ofSeconds(2)).build();
        server = DroServer.builder().model(MODEL, auto).port(0).maxTokens(1000).maxBodyBytes(64 * 1024).start();
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl()).apiKey("unused").maxRetries(0).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
        auto.close();
        upstream.close();
    }

    @Test
    void aNonStreamedRequestReachesTheUpstreamAsAutoModelStreamsItAndAnswersWhatAutoModelCompletes() {
        GenerateOptions options = GenerateOptions.builder().temperature(0.3).maxNewTokens(77).seed(5L).build();
        dro.Generation completed = auto.complete(QUERY, options);
        assertEquals("Hi", completed.text());
        try (TokenStream s = auto.stream(QUERY, options)) {
            while (s.hasNext()) {
                s.next();
            }
        }
        JsonNode direct = upstream.lastRequest().json();
        upstream.reset();
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage(QUERY).temperature(0.3).maxTokens(77).seed(5).build());
        assertEquals("Hi", c.choices().get(0).message().content().orElseThrow());
        assertEquals(completed.usage().promptTokens(), c.usage().orElseThrow().promptTokens());
        assertEquals(completed.usage().completionTokens(), c.usage().orElseThrow().completionTokens());
        assertEquals(1, upstream.requests().size());
        // streamed upstream so that a client that disconnects cancels it
        assertEquals(direct, upstream.lastRequest().json());
        assertTrue(upstream.lastRequest().stream());
        assertTrue(upstream.lastRequest().message("system").contains(OPTIMISED));
        assertEquals("Bearer sk-upstream-1", upstream.lastRequest().header("authorization"));
    }

    @Test
    void aStreamedRequestReachesTheUpstreamExactlyAsAutoModelStreamsIt() {
        int directTokens;
        try (TokenStream s = auto.stream(QUERY, GenerateOptions.DEFAULTS)) {
            while (s.hasNext()) {
                s.next();
            }
            directTokens = s.result().usage().completionTokens();
        }
        JsonNode direct = upstream.lastRequest().json();
        upstream.reset();
        StringBuilder text = new StringBuilder();
        long[] completionTokens = {-1};
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(QUERY)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(c -> {
                c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append));
                c.usage().ifPresent(u -> completionTokens[0] = u.completionTokens());
            });
        }
        assertEquals("Hi", text.toString());
        assertEquals(directTokens, completionTokens[0]);
        assertEquals(direct, upstream.lastRequest().json());
        assertTrue(upstream.lastRequest().stream());
    }

    @Test
    void nChoicesReachTheUpstreamAsOneRequestWithNExactlyAsAutoModelSendsThem() {
        GenerateOptions options = GenerateOptions.builder().seed(5L).build();
        Usage one = auto.complete(QUERY, options).usage();
        ChatModelResponse three = auto.complete(QUERY, options, 3);
        assertEquals(List.of("Hi", "Hi", "Hi"), three.texts());
        JsonNode direct = upstream.lastRequest().json();
        upstream.reset();
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage(QUERY).seed(5).n(3).build());
        assertEquals(1, upstream.requests().size());
        assertEquals(direct, upstream.lastRequest().json());
        assertEquals(3, upstream.lastRequest().n());
        assertEquals(List.of(0L, 1L, 2L), c.choices().stream().map(ChatCompletion.Choice::index).toList());
        assertEquals(List.of("Hi", "Hi", "Hi"), c.choices().stream().map(ch -> ch.message().content().orElseThrow())
                .toList());
        assertEquals(one.promptTokens(), c.usage().orElseThrow().promptTokens());
        assertEquals(3 * one.completionTokens(), c.usage().orElseThrow().completionTokens());
        assertEquals(three.usage().completionTokens(), c.usage().orElseThrow().completionTokens());
    }

    @Test
    void nStreamedChoicesReachTheUpstreamAsOneStreamEachWithSeedsCountingUp() {
        List<JsonNode> direct = new ArrayList<>();
        int directTokens = 0;
        for (long seed : new long[] {5, 6}) {
            try (TokenStream s = auto.stream(QUERY, GenerateOptions.builder().seed(seed).build())) {
                while (s.hasNext()) {
                    s.next();
                }
                directTokens += s.result().usage().completionTokens();
            }
            direct.add(upstream.lastRequest().json());
        }
        upstream.reset();
        Map<Long, StringBuilder> texts = new java.util.TreeMap<>();
        long[] completionTokens = {-1};
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(QUERY).seed(5).n(2)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(c -> {
                c.choices().forEach(ch -> ch.delta().content().ifPresent(t -> texts.computeIfAbsent(ch.index(),
                        i -> new StringBuilder()).append(t)));
                c.usage().ifPresent(u -> completionTokens[0] = u.completionTokens());
            });
        }
        assertEquals("{0=Hi, 1=Hi}", texts.toString());
        assertEquals(direct, upstream.requests().stream().map(ScriptedOpenAiServer.Request::json).toList());
        assertEquals(directTokens, completionTokens[0]);
    }

    @Test
    void langChain4jsOpenAiModelsWorkThroughTheProxyStreamedAndNot() throws Exception {
        try (TokenStream s = auto.stream(QUERY, GenerateOptions.DEFAULTS)) {
            while (s.hasNext()) {
                s.next();
            }
        }
        JsonNode directStream = upstream.lastRequest().json();
        upstream.reset();

        OpenAiChatModel lc = OpenAiChatModel.builder().baseUrl(server.baseUrl()).apiKey("unused").modelName(MODEL)
                .maxRetries(0).build();
        assertEquals("Hi", lc.chat(QUERY));
        assertEquals(1, upstream.requests().size());
        // a non-streamed request goes upstream as AutoModel streams it (so that a disconnect cancels it)
        assertEquals(directStream, upstream.lastRequest().json());
        upstream.reset();

        ServeTesting.Streamed st = ServeTesting.streamWithLangChain4j(server.baseUrl(), MODEL, QUERY);
        ChatResponse r = st.response();
        assertEquals("Hi", st.partial());
        assertEquals("Hi", r.aiMessage().text());
        assertEquals(dev.langchain4j.model.output.FinishReason.STOP, r.finishReason());
        assertEquals(1, upstream.requests().size());
        assertEquals(directStream, upstream.lastRequest().json());
        assertTrue(upstream.lastRequest().stream());
    }

    @Test
    void anUpstreamServerErrorIsA502InOpenAisFormat() throws Exception {
        upstream.respond(r -> Reply.error(500, "upstream exploded"));
        ServeTesting.Raw r = post(server, "/v1/chat/completions", body(""));
        assertEquals(502, r.status());
        assertEquals("server_error", r.json().get("error").get("type").asText());
        assertEquals("upstream_error", r.json().get("error").get("code").asText());
    }

    @Test
    void anUpstreamThatAnswersGarbageIsA502() throws Exception {
        upstream.respond(r -> Reply.raw(200, "application/json", "{\"not\": \"a completion"));
        ServeTesting.Raw r = post(server, "/v1/chat/completions", body(""));
        assertEquals(502, r.status());
        assertEquals("upstream_error", r.json().get("error").get("code").asText());
    }

    @Test
    void anUpstreamThatTimesOutIsA504NotAHang() throws Exception {
        upstream.respond(r -> Reply.completion("late").withDelay(Duration.ofSeconds(20)));
        ServeTesting.Raw r = post(server, "/v1/chat/completions", body(""));
        assertEquals(504, r.status());
        assertEquals("timeout_error", r.json().get("error").get("type").asText());
    }

    @Test
    void jsonObjectAndJsonSchemaModesReachTheUpstreamAsAutoModelSendsThem() {
        client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(QUERY)
                .responseFormat(com.openai.models.ResponseFormatJsonObject.builder().build()).build());
        assertEquals("{\"type\":\"json_object\"}", upstream.lastRequest().json().get("response_format").toString());
        String schema = "{\"type\":\"object\",\"properties\":{\"bird\":{\"type\":\"string\"}}}";
        try (TokenStream s = auto.stream(QUERY, GenerateOptions.DEFAULTS,
                dro.backend.ResponseFormat.jsonSchema(schema))) {
            while (s.hasNext()) {
                s.next();
            }
        }
        JsonNode direct = upstream.lastRequest().json();
        upstream.reset();
        client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(QUERY)
                .responseFormat(com.openai.models.ResponseFormatJsonSchema.builder().jsonSchema(
                        com.openai.models.ResponseFormatJsonSchema.JsonSchema.builder().name("reply").strict(true)
                                .schema(com.openai.models.ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                                        .putAdditionalProperty("type", com.openai.core.JsonValue.from("object"))
                                        .putAdditionalProperty("properties", com.openai.core.JsonValue.from(Map.of(
                                                "bird", Map.of("type", "string")))).build()).build())
                        .build()).build());
        assertEquals(direct, upstream.lastRequest().json());
        assertEquals("json_schema", upstream.lastRequest().json().get("response_format").get("type").asText());
    }

    @Test
    void aClientThatDisconnectsFromANonStreamedRequestCancelsTheUpstreamRequestAndFreesTheSlot()
            throws Exception {
        upstream.respond(r -> Reply.completion("slow ".repeat(400) + "<END>").withPieceDelay(Duration.ofMillis(20))
                .withPieceSize(5));
        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger pieces = new java.util.concurrent.atomic.AtomicInteger();
        dro.testing.RequestRecorder up = ServeTesting.watched(AutoModel.builder().openAiModel(true)
                .model(MODEL).apiKey("sk-upstream-1").baseUrl(upstream.baseUrl()).maxAttempts(1)
                .timeout(Duration.ofSeconds(30)).buildChatModel(), pieces::incrementAndGet, () -> cancelled.set(true));
        try (AutoModel m = AutoModel.builder().chatModel(up).optimizedPrompt(OPTIMISED).iclExamples(ICL)
                .embedder(LetterEmbedder.INSTANCE).embeddingCacheDir(cache).build();
             DroServer s = DroServer.builder().model(MODEL, m).port(0).slots(1).queue(0).start()) {
            byte[] body = body("").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), s.port())) {
                java.io.OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                        + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(
                        java.nio.charset.StandardCharsets.UTF_8));
                out.write(body);
                out.flush();
                assertTrue(DroServerLoadTest.eventually(400, () -> pieces.get() >= 3), "the upstream was answering");
                assertEquals(1, s.busySlots());
            }
            // the slot is free again within a second: 20 polls 50 ms apart
            assertTrue(DroServerLoadTest.eventually(20, () -> s.busySlots() == 0), "slot still busy");
            assertTrue(cancelled.get(), "the upstream stream was cancelled");
            assertTrue(pieces.get() < 400, "it stopped early: " + pieces.get());
        }
    }

    @Test
    void anUnsupportedFieldIsA400NamingIt() throws Exception {
        ServeTesting.Raw r = post(server, "/v1/chat/completions", body(",\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"f\"}}]"));
        assertEquals(400, r.status());
        JsonNode e = r.json().get("error");
        assertEquals("invalid_request_error", e.get("type").asText());
        assertEquals("tools", e.get("param").asText());
        assertEquals("unsupported_parameter", e.get("code").asText());
        assertTrue(e.get("message").asText().startsWith("dro serve does not support 'tools'"), e.toString());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void theOpenAiJavaClientSeesAnUnsupportedFieldAsABadRequest() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(QUERY).logprobs(true).build()));
        assertEquals(400, e.statusCode());
        assertTrue(e.getMessage().contains("dro serve does not support 'logprobs' other than false"), e.getMessage());
    }

    @Test
    void clientMistakesAre400sNamingTheField() throws Exception {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put(body(",\"temperature\":\"hot\""), "temperature");
        cases.put(body(",\"temperature\":3"), "temperature");
        cases.put(body(",\"top_p\":0"), "top_p");
        cases.put(body(",\"n\":9"), "n");
        cases.put(body(",\"n\":0"), "n");
        cases.put(body(",\"max_tokens\":1001"), "max_tokens");
        cases.put(body(",\"max_tokens\":1e30"), "max_tokens");
        cases.put(body(",\"stop\":[1]"), "stop");
        cases.put(body(",\"response_format\":{\"type\":\"xml\"}"), "response_format.type");
        cases.put(body(",\"response_format\":{\"type\":\"json_schema\"}"), "response_format.json_schema");
        cases.put(body(",\"response_format\":{\"type\":\"json_object\",\"strict\":true}"), "response_format.strict");
        cases.put(body(",\"response_format\":\"json\""), "response_format");
        cases.put(body(",\"dro\":{\"num_icl\":9}"), "dro.num_icl");
        cases.put(body(",\"dro\":{\"icl\":true}"), "dro.icl");
        cases.put(body(",\"stream_options\":{\"include_usage\":true}"), "stream_options");
        cases.put("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]}", "messages[0].content[0].type");
        cases.put("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
                + "{\"role\":\"assistant\",\"content\":\"a\"}]}", "messages");
        cases.put("{\"model\":\"" + MODEL + "\",\"messages\":[]}", "messages");
        cases.put("{\"model\":\"" + MODEL + "\"}", "messages");
        cases.put("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}", "model");
        cases.put("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"robot\",\"content\":\"q\"}]}",
                "messages[0].role");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            ServeTesting.Raw r = post(server, "/v1/chat/completions", c.getKey());
            assertEquals(400, r.status(), c.getKey() + " -> " + r.body());
            assertEquals(c.getValue(), r.json().get("error").get("param").asText(), c.getKey() + " -> " + r.body());
        }
        assertEquals(0, upstream.requests().size());
    }

    /**
     * A client's mistakes are logged at DEBUG at most: the malformed, unsupported, oversized, unauthenticated and
     * unknown-model requests the other tests send leave no WARN or ERROR line of dro serve or Jetty. slf4j-simple (the
     * tests' binding) writes to whatever {@code System.err} is when it logs, so the lines are caught there.
     */
    @Test
    void aClientsMistakesLogNothingAtWarnOrError() throws Exception {
        java.io.ByteArrayOutputStream caught = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = System.err;
        try (DroServer keyed = DroServer.builder().model(MODEL, auto).port(0).maxBodyBytes(1024)
                .apiKeys(DroServer.ApiKeys.of(List.of("sk-right"))).start()) {
            System.setErr(new java.io.PrintStream(caught, true, java.nio.charset.StandardCharsets.UTF_8));
            List<String> bodies = List.of("{\"model\": ", "[1, 2]", "", "{\"model\":\"a\",\"model\":\"b\"}",
                    body(",\"tools\":[]"), body(",\"logprobs\":true"), body(",\"temperature\":\"hot\""),
                    body(",\"max_tokens\":1e30"), body(",\"response_format\":{\"type\":\"xml\"}"),
                    body(",\"dro\":{\"icl\":true}"), body(",\"user\":\"" + "x".repeat(2000) + "\""),
                    "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}");
            List<Integer> statuses = new ArrayList<>();
            for (String b : bodies) {
                statuses.add(post(keyed, "/v1/chat/completions", b, "Authorization", "Bearer sk-right").status());
            }
            statuses.add(post(keyed, "/v1/chat/completions", body(""), "Authorization", "Bearer sk-wrong").status());
            statuses.add(post(keyed, "/v1/chat/completions", body("")).status());
            statuses.add(ServeTesting.get(keyed, "/v1/chat/completions", "Authorization", "Bearer sk-right")
                    .status());
            statuses.add(ServeTesting.get(keyed, "/nowhere").status());
            assertEquals(List.of(400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 413, 404, 401, 401, 405, 404),
                    statuses);
        } finally {
            System.setErr(err);
        }
        List<String> loud = caught.toString(java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.matches(".*\\b(WARN|ERROR) (dro\\.serve|org\\.eclipse\\.jetty).*")).toList();
        assertEquals(List.of(), loud);
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void malformedJsonIsA400SayingWhere() throws Exception {
        for (String bad : List.of("{\"model\": ", "[1, 2]", "{\"model\":\"m\"} trailing", "",
                "{\"model\":\"a\",\"model\":\"b\",\"messages\":[]}")) {
            ServeTesting.Raw r = post(server, "/v1/chat/completions", bad);
            assertEquals(400, r.status(), bad + " -> " + r.body());
            assertEquals("invalid_request_error", r.json().get("error").get("type").asText());
        }
        assertTrue(post(server, "/v1/chat/completions", "{\"model\": ").json().get("error").get("message").asText()
                .startsWith("The request body is not valid JSON: "));
    }

    @Test
    void aBodyOverTheLimitIsA413() throws Exception {
        ServeTesting.Raw r = post(server, "/v1/chat/completions", body(",\"user\":\"" + "x".repeat(70_000) + "\""));
        assertEquals(413, r.status());
        assertEquals("request_too_large", r.json().get("error").get("code").asText());
    }

    @Test
    void anUnknownModelIsA404() throws Exception {
        ServeTesting.Raw r = post(server, "/v1/chat/completions", "{\"model\":\"gpt-9\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"q\"}]}");
        assertEquals(404, r.status());
        assertEquals("model_not_found", r.json().get("error").get("code").asText());
        assertEquals("The model 'gpt-9' is not served here; served: " + MODEL,
                r.json().get("error").get("message").asText());
    }

    @Test
    void neutralValuesOfOpenAiFieldsAndTheUserFieldAreAccepted() throws Exception {
        ServeTesting.Raw r = post(server, "/v1/chat/completions", body(",\"user\":\"u-1\",\"logprobs\":false,"
                + "\"presence_penalty\":0,\"response_format\":{\"type\":\"text\"},\"n\":1,\"max_completion_tokens\":9,"
                + "\"stop\":\"STOP\",\"temperature\":null"));
        assertEquals(200, r.status(), r.body());
        assertEquals(9, upstream.lastRequest().maxTokens());
        assertEquals(List.of("<END>", "<END", "<|eot_id|>", "STOP"), upstream.lastRequest().stop());
    }

    private static String body(String extra) {
        return "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + QUERY + "\"}]" + extra
                + "}";
    }
}
