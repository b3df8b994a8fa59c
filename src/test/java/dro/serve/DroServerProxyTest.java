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
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    void theUpstreamReceivesExactlyWhatAutoModelSends() {
        GenerateOptions options = GenerateOptions.builder().temperature(0.3).maxNewTokens(77).seed(5L).build();
        assertEquals("Hi", auto.complete(QUERY, options).text());
        JsonNode direct = upstream.lastRequest().json();
        upstream.reset();
        String answer = client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage(QUERY).temperature(0.3).maxTokens(77).seed(5).build())
                .choices().get(0).message().content().orElseThrow();
        assertEquals("Hi", answer);
        assertEquals(1, upstream.requests().size());
        assertEquals(direct, upstream.lastRequest().json());
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
        auto.complete(QUERY, GenerateOptions.DEFAULTS);
        JsonNode direct = upstream.lastRequest().json();
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
        assertEquals(direct, upstream.lastRequest().json());
        upstream.reset();

        OpenAiStreamingChatModel st = OpenAiStreamingChatModel.builder().baseUrl(server.baseUrl()).apiKey("unused")
                .modelName(MODEL).build();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        StringBuilder partial = new StringBuilder();
        st.chat(QUERY, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String s) {
                partial.append(s);
            }

            @Override
            public void onCompleteResponse(ChatResponse r) {
                done.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertEquals("Hi", partial.toString());
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
        cases.put(body(",\"response_format\":{\"type\":\"json_object\"}"), "response_format");
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
