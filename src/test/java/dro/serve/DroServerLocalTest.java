package dro.serve;

import dro.testing.RequestRecorder;

import static dro.serve.ServeTesting.ICL;
import static dro.serve.ServeTesting.OPTIMISED;
import static dro.serve.ServeTesting.get;
import static dro.serve.ServeTesting.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dro.AssembledPrompt;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.backend.ChatModelRequest;
import dro.testing.LetterEmbedder;
import dro.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The server in local mode, on a tiny generated GGUF, through the official openai-java client and LangChain4j's. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DroServerLocalTest {

    static final String NAME = "tiny-chat";
    static final String QUERY = "How do I boil an egg well?";

    @TempDir
    Path cache;

    RequestRecorder recording;
    AutoModel auto;
    DroServer server;
    OpenAIClient client;

    @BeforeAll
    void start() {
        recording = new RequestRecorder(AutoModel.builder().model(TestModels.scriptedChat()).threads(1)
                .maxModelLen(12288).buildChatModel());
        auto = AutoModel.builder().chatModel(recording).optimizedPrompt(OPTIMISED).iclExamples(ICL)
                .embedder(LetterEmbedder.INSTANCE).embeddingCacheDir(cache).build();
        server = DroServer.builder().model(NAME, auto).port(0).start();
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl()).apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    void stop() {
        client.close();
        server.close();
        auto.close();
    }

    @BeforeEach
    void clear() {
        recording.seen.clear();
    }

    private ChatModelRequest onlyRequest() {
        assertEquals(1, recording.seen.size(), "requests that reached the model");
        return recording.seen.get(0);
    }

    @Test
    void theOpenAiJavaClientGetsTheDroAnswerAndTheModelReadsWhatAutoModelAssembles() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(NAME)
                .addUserMessage(QUERY).build());
        assertEquals("Hi", c.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
        assertEquals(NAME, c.model());
        ChatModelRequest sent = onlyRequest();
        AssembledPrompt expected = auto.assemble(QUERY, GenerateOptions.DEFAULTS);
        assertEquals(expected.system(), sent.system());
        assertTrue(sent.system().contains(OPTIMISED), sent.system());
        assertEquals(3, expected.examples().size());
        assertEquals(expected.user(), sent.user());
        assertEquals(GenerateOptions.DEFAULTS.stop(), sent.stop());
        assertEquals(512, sent.maxNewTokens());
        long completion = c.usage().orElseThrow().completionTokens();
        assertTrue(completion > 0, "completion tokens " + completion);
        assertEquals(c.usage().orElseThrow().promptTokens() + completion, c.usage().orElseThrow().totalTokens());
    }

    @Test
    void jsonObjectModeReachesTheLocalModelAndJsonSchemaModeWhichItCannotEnforceIsA400NamingResponseFormat() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(NAME)
                .addUserMessage(QUERY).maxCompletionTokens(8)
                .responseFormat(com.openai.models.ResponseFormatJsonObject.builder().build()).build());
        assertEquals(1, c.choices().size());
        assertEquals(dro.backend.ResponseFormat.JSON_OBJECT, onlyRequest().responseFormat());
        recording.seen.clear();
        com.openai.errors.BadRequestException e = org.junit.jupiter.api.Assertions.assertThrows(
                com.openai.errors.BadRequestException.class, () -> client.chat().completions().create(
                        ChatCompletionCreateParams.builder().model(NAME).addUserMessage(QUERY).responseFormat(
                                com.openai.models.ResponseFormatJsonSchema.builder().jsonSchema(
                                        com.openai.models.ResponseFormatJsonSchema.JsonSchema.builder().name("r")
                                                .schema(com.openai.models.ResponseFormatJsonSchema.JsonSchema.Schema
                                                        .builder().putAdditionalProperty("type",
                                                                JsonValue.from("object")).build()).build())
                                        .build()).build()));
        assertEquals(400, e.statusCode());
        assertEquals("response_format", e.param().orElseThrow());
        assertTrue(e.getMessage().contains("The model '" + NAME + "' cannot enforce 'response_format' json_schema"
                + " here; it takes text and json_object"), e.getMessage());
        assertEquals(0, recording.seen.size());
    }

    @Test
    void aStreamedAnswerJoinsToTheSameTextAndEndsWithAUsageChunk() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(NAME).addUserMessage(QUERY)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
            s.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        List<String> finishes = new ArrayList<>();
        for (ChatCompletionChunk ch : chunks) {
            for (ChatCompletionChunk.Choice choice : ch.choices()) {
                choice.delta().content().ifPresent(text::append);
                choice.finishReason().ifPresent(f -> finishes.add(f.asString()));
            }
        }
        assertEquals("Hi", text.toString());
        assertEquals(List.of("stop"), finishes);
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertEquals(0, last.choices().size());
        assertTrue(last.usage().orElseThrow().completionTokens() > 0);
        assertEquals(auto.assemble(QUERY, GenerateOptions.DEFAULTS).system(), onlyRequest().system());
    }

    @Test
    void theRawStreamIsServerSentEventsEndingWithDone() throws Exception {
        ServeTesting.Raw r = post(server, "/v1/chat/completions", "{\"model\":\"" + NAME + "\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + QUERY + "\"}]}");
        assertEquals(200, r.status());
        assertTrue(r.header("content-type").startsWith("text/event-stream"), r.header("content-type"));
        String[] events = r.body().split("\n\n");
        assertEquals("data: [DONE]", events[events.length - 1]);
        for (int i = 0; i < events.length - 1; i++) {
            assertTrue(events[i].startsWith("data: {"), events[i]);
            assertEquals("chat.completion.chunk", ServeTesting.JSON.readTree(events[i].substring(6))
                    .get("object").asText());
        }
        assertFalse(r.body().contains("\"usage\""), "no usage without stream_options.include_usage");
    }

    @Test
    void aCallersSystemMessageReplacesTheOptimisedPromptAndEarlierTurnsAreNotSent() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(NAME)
                .addSystemMessage("Answer like a pirate.").addUserMessage("Earlier question")
                .addAssistantMessage("Earlier answer").addUserMessage(QUERY).temperature(0.0).maxTokens(40)
                .stop("Arr").seed(7).build());
        assertEquals("Hi", c.choices().get(0).message().content().orElseThrow());
        ChatModelRequest sent = onlyRequest();
        GenerateOptions asked = GenerateOptions.builder().userSpecifiedSystemPrompt("Answer like a pirate.")
                .temperature(0.0).maxNewTokens(40).seed(7L).stop(List.of("<END>", "<END", "<|eot_id|>", "Arr"))
                .build();
        AssembledPrompt expected = auto.assemble(QUERY, asked);
        assertEquals(expected.system(), sent.system());
        assertTrue(sent.system().startsWith("Answer like a pirate."), sent.system());
        assertFalse(sent.system().contains(OPTIMISED));
        assertEquals(expected.user(), sent.user());
        assertEquals(2, sent.messages().size());
        assertEquals(0.0, sent.temperature());
        assertEquals(40, sent.maxNewTokens());
        assertEquals(7L, sent.seed());
        assertEquals(asked.stop(), sent.stop());
    }

    @Test
    void theDroExtensionObjectTurnsOffTheOptimisedPromptAndTheExamples() {
        client.chat().completions().create(ChatCompletionCreateParams.builder().model(NAME).addUserMessage(QUERY)
                .putAdditionalBodyProperty("dro", JsonValue.from(Map.of("optimized_prompt", false, "num_icl", 0)))
                .build());
        GenerateOptions off = GenerateOptions.builder().optimizedPrompt(false).optimizedIcl(false).build();
        assertEquals(auto.assemble(QUERY, off).system(), onlyRequest().system());
        assertFalse(onlyRequest().system().contains(OPTIMISED));
        assertFalse(onlyRequest().system().contains("Boil it."));
    }

    @Test
    void theDroExtensionObjectChoosesHowManyExamples() {
        client.chat().completions().create(ChatCompletionCreateParams.builder().model(NAME).addUserMessage(QUERY)
                .putAdditionalBodyProperty("dro", JsonValue.from(Map.of("num_icl", 1))).build());
        GenerateOptions one = GenerateOptions.builder().numOptimizedIcl(1).build();
        assertEquals(1, auto.assemble(QUERY, one).examples().size());
        assertEquals(auto.assemble(QUERY, one).system(), onlyRequest().system());
    }

    @Test
    void nChoicesAreWhatAutoModelCompletesGeneratedAsStreamsWithSeedsCountingUpAndThePromptCountedOnce() {
        GenerateOptions seven = GenerateOptions.builder().seed(7L).build();
        dro.backend.ChatModelResponse direct = auto.complete(QUERY, seven, 3);
        recording.seen.clear();
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(NAME)
                .addUserMessage(QUERY).seed(7).n(3).build());
        assertEquals(List.of(0L, 1L, 2L), c.choices().stream().map(ChatCompletion.Choice::index).toList());
        assertEquals(direct.texts(), c.choices().stream().map(ch -> ch.message().content().orElseThrow()).toList());
        assertEquals(List.of("stop", "stop", "stop"), c.choices().stream().map(ch -> ch.finishReason().asString())
                .toList());
        assertEquals(direct.usage().promptTokens(), c.usage().orElseThrow().promptTokens());
        assertEquals(direct.usage().completionTokens(), c.usage().orElseThrow().completionTokens());
        // a model without native n generates each reply on its own: here one stream per choice, so that a client
        // that disconnects cancels them
        assertEquals(List.of(7L, 8L, 9L), recording.seen.stream().map(ChatModelRequest::seed).sorted().toList());
        for (ChatModelRequest sent : recording.seen) {
            assertEquals(1, sent.n());
            assertEquals(auto.assemble(QUERY, GenerateOptions.DEFAULTS).system(), sent.system());
        }
    }

    @Test
    void nStreamedChoicesComeOneAfterAnotherEachWithItsIndexAndTheUsageOfAll() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(NAME).addUserMessage(QUERY)
                .seed(7).n(2).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
            s.stream().forEach(chunks::add);
        }
        List<Long> order = new ArrayList<>();
        Map<Long, StringBuilder> texts = new java.util.TreeMap<>();
        Map<Long, String> finishes = new java.util.TreeMap<>();
        for (ChatCompletionChunk ch : chunks) {
            for (ChatCompletionChunk.Choice choice : ch.choices()) {
                order.add(choice.index());
                choice.delta().content().ifPresent(t -> texts.computeIfAbsent(choice.index(),
                        i -> new StringBuilder()).append(t));
                choice.finishReason().ifPresent(f -> finishes.put(choice.index(), f.asString()));
            }
        }
        assertEquals("{0=Hi, 1=Hi}", texts.toString());
        assertEquals(Map.of(0L, "stop", 1L, "stop"), finishes);
        assertEquals(order.stream().sorted().toList(), order, "choice 0 whole, then choice 1");
        assertEquals(2, recording.seen.size(), "one stream per choice");
        assertEquals(List.of(7L, 8L), recording.seen.stream().map(ChatModelRequest::seed).toList());
        assertEquals(List.of(1, 1), recording.seen.stream().map(ChatModelRequest::n).toList());
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertEquals(0, last.choices().size());
        ChatCompletion single = client.chat().completions().create(ChatCompletionCreateParams.builder().model(NAME)
                .addUserMessage(QUERY).seed(7).build());
        assertEquals(2 * single.usage().orElseThrow().completionTokens(),
                last.usage().orElseThrow().completionTokens());
        assertEquals(single.usage().orElseThrow().promptTokens(), last.usage().orElseThrow().promptTokens());
    }

    @Test
    void langChain4jsOpenAiModelsWorkAgainstTheServerStreamedAndNot() throws Exception {
        OpenAiChatModel lc = OpenAiChatModel.builder().baseUrl(server.baseUrl()).apiKey("unused").modelName(NAME)
                .maxRetries(0).build();
        assertEquals("Hi", lc.chat(QUERY));
        assertEquals(auto.assemble(QUERY, GenerateOptions.DEFAULTS).system(), onlyRequest().system());

        ServeTesting.Streamed st = ServeTesting.streamWithLangChain4j(server.baseUrl(), NAME, QUERY);
        ChatResponse r = st.response();
        assertEquals("Hi", st.partial());
        assertEquals("Hi", r.aiMessage().text());
        assertEquals(dev.langchain4j.model.output.FinishReason.STOP, r.finishReason());
    }

    @Test
    void theModelListNamesTheServedModelWithItsDroPrompt() throws Exception {
        JsonNode list = get(server, "/v1/models").json();
        assertEquals("list", list.get("object").asText());
        assertEquals(1, list.get("data").size());
        JsonNode m = list.get("data").get(0);
        assertEquals(NAME, m.get("id").asText());
        assertEquals(OPTIMISED, m.get("dro").get("system_prompt").asText());
        assertEquals(auto.systemPromptSource().toString(), m.get("dro").get("system_prompt_source").asText());
        assertEquals(NAME, client.models().list().data().get(0).id());
    }

    @Test
    void metricsCountRequestsByStatusTokensLatencyTimeToFirstTokenQueueAndSlots() throws Exception {
        String before = get(server, "/metrics").body();
        double completionBefore = value(before, "dro_serve_tokens_total{kind=\"completion\"}");
        double ttftBefore = value(before, "dro_serve_time_to_first_token_seconds_count");
        double ok = value(before, "dro_serve_requests_total{status=\"200\"}");
        client.chat().completions().create(ChatCompletionCreateParams.builder().model(NAME).addUserMessage(QUERY)
                .build());
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(NAME).addUserMessage(QUERY).build())) {
            s.stream().forEach(c -> { });
        }
        post(server, "/v1/chat/completions", "{\"model\":\"" + NAME + "\",\"messages\":[],\"n\":2}");
        ServeTesting.Raw r = get(server, "/metrics");
        assertTrue(r.header("content-type").startsWith("text/plain"), r.header("content-type"));
        String after = r.body();
        assertEquals(ok + 2, value(after, "dro_serve_requests_total{status=\"200\"}"), after);
        assertTrue(value(after, "dro_serve_requests_total{status=\"400\"}") >= 1, after);
        assertTrue(value(after, "dro_serve_tokens_total{kind=\"completion\"}") >= completionBefore + 2, after);
        assertTrue(value(after, "dro_serve_tokens_total{kind=\"prompt\"}") > 0, after);
        assertEquals(ttftBefore + 1, value(after, "dro_serve_time_to_first_token_seconds_count"), after);
        assertTrue(after.contains("dro_serve_request_duration_seconds_bucket{le=\""), after);
        assertTrue(after.contains("dro_serve_time_to_first_token_seconds_bucket{le=\""), after);
        assertEquals(0.0, value(after, "dro_serve_queue_depth"));
        assertEquals(0.0, value(after, "dro_serve_slots_busy"));
    }

    /** The value of one sample line of Prometheus text, 0 when absent. */
    static double value(String metrics, String sample) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).strip());
            }
        }
        return 0;
    }

    @Test
    void healthAndReadyAnswerWhileServing() throws Exception {
        assertEquals(200, get(server, "/health").status());
        assertEquals("{\"status\":\"ready\"}", get(server, "/ready").body());
    }
}
