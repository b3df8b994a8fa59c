package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.backend.ChatModel;
import dro.backend.Endpoint;
import dro.backend.RetryPolicy;
import dro.backend.RetryingChatModel;
import dro.backend.RoutingChatModel;
import dro.prompt.internal.PromptResources;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** AutoModel with {@code openAiModel(true)}, over real HTTP against {@link ScriptedOpenAiServer}. */
class AutoModelOpenAiTest {

    static final String KEY = "sk-dro4j-automodel-7d1e";
    static final ObjectMapper JSON = new ObjectMapper();
    static final GenerateOptions NO_ICL = GenerateOptions.builder().optimizedIcl(false).build();

    @TempDir
    Path cache;

    ScriptedOpenAiServer server;

    @BeforeEach
    void start() {
        server = ScriptedOpenAiServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    AutoModel.Builder api() {
        return AutoModel.builder().openAiModel(true).model("test-model").apiKey(KEY).baseUrl(server.baseUrl())
                .embeddingCacheDir(cache);
    }

    @Test
    void generateSendsTheAssembledSystemPromptAndUserTurnAsMessagesAndReturnsTheAnswerWithoutMarkers()
            throws Exception {
        server.respond(ScriptedOpenAiServer.scriptedModel("<START>\nMix, then bake.\n<END>"));
        GenerateOptions options = GenerateOptions.builder().numOptimizedIcl(2).seed(5L).build();
        try (AutoModel m = api().optimizedPrompt("You are DRO-aligned.").build()) {
            assertEquals("Mix, then bake.", m.generate("How do I make a cake?", options));
            AssembledPrompt expected = m.assemble("How do I make a cake?", options);
            JsonNode body = server.lastRequest().json();
            assertEquals(JSON.createArrayNode()
                    .add(JSON.createObjectNode().put("role", "system").put("content", expected.system()))
                    .add(JSON.createObjectNode().put("role", "user").put("content", expected.user())),
                    body.get("messages"));
            assertTrue(expected.system().startsWith("You are DRO-aligned.\n\n#Query:\n"), expected.system());
            assertEquals(2, expected.examples().size());
            assertEquals("# Query:\nHow do I make a cake?\n\n# Answer:\n<START>", expected.user());
            assertEquals("test-model", body.get("model").asText());
            assertEquals(0.7, body.get("temperature").doubleValue());
            assertEquals(0.95, body.get("top_p").doubleValue());
            assertEquals(512, body.get("max_tokens").intValue());
            assertEquals(5L, body.get("seed").longValue());
            assertEquals(JSON.valueToTree(GenerateOptions.DEFAULT_STOP), body.get("stop"));
        }
    }

    @Test
    void aCallsOptionsOverrideTheModelsDefaultOptionsAndTheOptionsItLeavesUnsetFallThrough() {
        server.respond(ScriptedOpenAiServer.scriptedModel("<START>\nok\n<END>"));
        GenerateOptions defaults = GenerateOptions.builder().optimizedIcl(false).temperature(0.0).maxNewTokens(64)
                .seed(9L).build();
        try (AutoModel m = api().defaultOptions(defaults).build()) {
            m.generate("Hello?");
            JsonNode plain = server.lastRequest().json();
            assertEquals(0.0, plain.get("temperature").doubleValue());
            assertEquals(64, plain.get("max_tokens").intValue());
            assertEquals(0.95, plain.get("top_p").doubleValue());
            assertEquals(9L, plain.get("seed").longValue());
            m.generate("Hello?", GenerateOptions.builder().maxNewTokens(100).temperature(0.7).build());
            JsonNode overridden = server.lastRequest().json();
            assertEquals(0.7, overridden.get("temperature").doubleValue());
            assertEquals(100, overridden.get("max_tokens").intValue());
            assertEquals(9L, overridden.get("seed").longValue());
            assertEquals(PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT),
                    overridden.get("messages").get(0).get("content").asText()); // no ICL, from the defaults
            assertEquals(defaults, m.defaultOptions());
        }
    }

    @Test
    void theDryRunPromptIsTheMessagesAsJsonAndSendsNothing() throws Exception {
        try (AutoModel m = api().build()) {
            AssembledPrompt a = m.assemble("Hello?", NO_ICL);
            assertEquals(PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT), a.system());
            JsonNode prompt = JSON.readTree(a.prompt());
            assertEquals(2, prompt.size());
            assertEquals("system", prompt.get(0).get("role").asText());
            assertEquals(a.system(), prompt.get(0).get("content").asText());
            assertEquals("user", prompt.get(1).get("role").asText());
            assertEquals(a.user(), prompt.get(1).get("content").asText());
            assertEquals(a.prompt(), JSON.readTree(a.toJson()).get("prompt").asText());
        }
        assertEquals(List.of(), server.requests());
    }

    @Test
    void theKeyAndBaseUrlComeFromTheEnvironment() {
        Map<String, String> env = Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", server.baseUrl());
        try (AutoModel m = AutoModel.builder().openAiModel(true).model("test-model").environment(env::get).build()) {
            assertEquals("Hi", m.generate("Hello?", NO_ICL));
            assertEquals("test-model", server.lastRequest().json().path("model").asText(), "sent to the base URL");
        }
        assertEquals("Bearer " + KEY, server.lastRequest().header("Authorization"));
    }

    @Test
    void aMissingKeyIsAnErrorNamingTheVariable() {
        assertEquals("The environment variable OPENAI_API_KEY is not set: set it to the endpoint's API key (any"
                + " non-empty value for a server that needs none), or give apiKey(...)",
                assertThrows(InvalidRequestException.class, () -> AutoModel.builder().openAiModel(true)
                        .model("gpt-4o-mini").environment(Map.<String, String>of()::get).build()).getMessage());
    }

    @Test
    void anApiModelNeedsAModelName() {
        assertEquals("model must not be empty, but was null", assertThrows(InvalidRequestException.class,
                () -> AutoModel.builder().openAiModel(true).apiKey(KEY).build()).getMessage());
    }

    static Stream<Arguments> localSettings() {
        return Stream.of(
                Arguments.of((UnaryOperator<AutoModel.Builder>) b -> b.numGpus(2), "numGpus 2"),
                Arguments.of((UnaryOperator<AutoModel.Builder>) b -> b.gpuLayers(10), "gpuLayers 10"),
                Arguments.of((UnaryOperator<AutoModel.Builder>) b -> b.cudaVisibleDevices("0,1"),
                        "cudaVisibleDevices \"0,1\""),
                Arguments.of((UnaryOperator<AutoModel.Builder>) b -> b.dtype("float16"), "dtype \"float16\""),
                Arguments.of((UnaryOperator<AutoModel.Builder>) b -> b.gpuMemoryUtilization(0.5),
                        "gpuMemoryUtilization 0.5"),
                Arguments.of((UnaryOperator<AutoModel.Builder>) b -> b.maxModelLen(2048), "maxModelLen 2048"),
                Arguments.of((UnaryOperator<AutoModel.Builder>) b -> b.threads(4), "threads 4"),
                Arguments.of((UnaryOperator<AutoModel.Builder>) b -> b.parallelSlots(2), "parallelSlots 2"),
                Arguments.of((UnaryOperator<AutoModel.Builder>) b -> b.nativeLibraryPath(Path.of("/opt/llama")),
                        "nativeLibraryPath /opt/llama"),
                Arguments.of((UnaryOperator<AutoModel.Builder>) b -> b.threads(2).numGpus(1),
                        "numGpus 1, threads 2"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("localSettings")
    void rejectsEverySettingForLocalModels(UnaryOperator<AutoModel.Builder> setting, String named) {
        assertEquals("openAiModel(true) cannot honour settings for local models: " + named,
                assertThrows(InvalidRequestException.class, () -> setting.apply(api()).build()).getMessage());
        assertEquals(List.of(), server.requests());
    }

    @Test
    void aLocalModelRejectsSettingsForApiModelsWithoutShowingTheKey() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> AutoModel.builder()
                .model(TestModels.scriptedChat()).apiKey(KEY).baseUrl("http://localhost:8000/v1").maxConcurrency(8)
                .maxAttempts(5).retryPolicy(RetryPolicy.DEFAULT).reasoningModel(true).environment(System::getenv)
                .build());
        assertEquals("A local model file cannot honour settings for one OpenAI-compatible endpoint (set"
                + " openAiModel(true) for those; with endpoints, give them per endpoint): apiKey, baseUrl \"http://localhost:8000/v1\", maxConcurrency 8; settings"
                + " for OpenAI-compatible models (set openAiModel(true) for those): reasoningModel true, maxAttempts"
                + " 5, retryPolicy, environment", e.getMessage());
    }

    @Test
    void aReasoningModelIsSentMaxCompletionTokensAndNoSamplingWhenStreamingToo() throws Exception {
        GenerateOptions o = NO_ICL.toBuilder().temperature(0).topP(0.5).maxNewTokens(300).build();
        try (AutoModel m = api().reasoningModel(true).build()) {
            m.generate("Hi?", o);
            m.generate("Hi?", o, piece -> { });
        }
        assertEquals(2, server.requests().size());
        for (ScriptedOpenAiServer.Request r : server.requests()) {
            JsonNode body = r.json();
            assertEquals(300, body.path("max_completion_tokens").asInt(), body.toString());
            assertTrue(body.path("max_tokens").isMissingNode(), body.toString());
            assertTrue(body.path("temperature").isMissingNode(), body.toString());
            assertTrue(body.path("top_p").isMissingNode(), body.toString());
        }
        assertTrue(server.requests().get(1).json().path("stream").asBoolean(), "the second call streams");
    }

    @Test
    void aBackendAndOpenAiModelTogetherAreRejected() {
        try (ChatModel m = api().embeddingCacheDir(null).buildChatModel()) {
            assertEquals("Give chatModel or openAiModel(true), not both", assertThrows(InvalidRequestException.class,
                    () -> api().chatModel(m).build()).getMessage());
        }
    }

    @Test
    void theTimeoutLimitsEachRequest() {
        server.respond(r -> Reply.completion("late").withDelay(Duration.ofSeconds(3)));
        try (AutoModel m = api().timeout(Duration.ofMillis(300)).maxAttempts(1).build()) {
            ApiTimeoutException e = assertThrows(ApiTimeoutException.class, () -> m.generate("Hello?", NO_ICL));
            assertEquals(server.baseUrl() + " (model \"test-model\") did not answer within 300 ms", e.getMessage());
        }
        assertEquals(1, server.requests().size());
    }

    @Test
    void anEndpointThatAlwaysAnswers500IsSentTheDefaultThreeAttemptsThenTheErrorSaysSo() {
        server.respond(r -> Reply.error(500, "The server had an error"));
        List<Duration> waits = new java.util.ArrayList<>();
        try (AutoModel m = api().retryPolicy(RetryPolicy.DEFAULT.toBuilder().sleeper(waits::add).build()).build()) {
            ServerErrorException e = assertThrows(ServerErrorException.class, () -> m.generate("Hello?", NO_ICL));
            assertEquals("HTTP 500 from " + server.baseUrl() + " (model \"test-model\"): The server had an error;"
                    + " gave up after 3 attempts", e.getMessage());
        }
        // RetryPolicy.DEFAULT's 3 attempts, made by the one retry decorator: the client makes one per call
        assertEquals(3, server.requests().size());
        assertEquals(2, waits.size());
    }

    @Test
    void maxAttemptsOverridesTheRetryPolicysAttemptsAcrossEndpointsToo() {
        server.respond(r -> Reply.error(500, "boom"));
        List<Duration> waits = new java.util.ArrayList<>();
        RetryPolicy recorded = RetryPolicy.DEFAULT.toBuilder().sleeper(waits::add).build();
        try (AutoModel m = api().retryPolicy(recorded).maxAttempts(5).build()) {
            assertThrows(ServerErrorException.class, () -> m.generate("Hello?", NO_ICL));
        }
        assertEquals(5, server.requests().size());
        try (ScriptedOpenAiServer second = ScriptedOpenAiServer.start().respond(r -> Reply.error(500, "boom"))) {
            AutoModel.Builder b = AutoModel.builder().openAiModel(true).model("test-model").embeddingCacheDir(cache)
                    .environment(Environment.of(Map.of("KEY_1", "sk-one")))
                    .endpoints(List.of(new Endpoint(server.baseUrl(), "KEY_1", 1, 1, null),
                            new Endpoint(second.baseUrl(), "KEY_1", 1, 1, null)))
                    .retryPolicy(recorded).maxAttempts(2);
            try (AutoModel m = b.build()) {
                assertThrows(ServerErrorException.class, () -> m.generate("Hello?", NO_ICL));
            }
            assertEquals(6, server.requests().size(), "one more attempt on the first endpoint");
            assertEquals(1, second.requests().size(), "the retried attempt went to the other, the first resting");
        }
    }

    @Test
    void maxAttemptsSetsHowOftenARequestIsTried() {
        server.respond(r -> Reply.error(400, "no"));
        try (AutoModel m = api().maxAttempts(1).build()) {
            assertThrows(BadRequestException.class, () -> m.generate("Hello?", NO_ICL));
        }
        assertEquals("maxAttempts must be between 1 and 100, but was 0", assertThrows(InvalidRequestException.class,
                () -> api().maxAttempts(0).build()).getMessage());
    }

    @Test
    void generateAllRunsUpToMaxConcurrencyRequestsAtOnce() {
        server.respond(r -> Reply.completion("<START>" + r.message("user").lines().skip(1).findFirst().orElseThrow()
                + "<END>").withDelay(Duration.ofMillis(150)));
        List<String> queries = List.of("one", "two", "three", "four", "five", "six");
        try (AutoModel m = api().maxConcurrency(3).build()) {
            assertEquals(queries, m.generateAll(queries, NO_ICL));
        }
        assertEquals(3, server.maxConcurrentRequests());
        assertEquals("maxConcurrency must be between 1 and 256, but was 0", assertThrows(
                InvalidRequestException.class, () -> api().maxConcurrency(0).build()).getMessage());
    }

    @Test
    void aFailedRequestOfGenerateAllIsRetriedAloneAndTheOthersAreAskedOnce() {
        server.respond(r -> Reply.completion("<START>" + r.message("user").lines().skip(1).findFirst().orElseThrow()
                + "<END>").withDelay(Duration.ofMillis(50)));
        server.enqueue(Reply.error(502, "bad gateway"));
        List<Duration> waits = new java.util.ArrayList<>();
        List<String> queries = List.of("one", "two", "three", "four", "five", "six");
        try (AutoModel m = api().maxConcurrency(3).retryPolicy(RetryPolicy.DEFAULT.toBuilder().sleeper(waits::add)
                .build()).build()) {
            assertEquals(queries, m.generateAll(queries, NO_ICL));
        }
        assertEquals(7, server.requests().size(), "six requests, one of them twice");
        assertEquals(1, waits.size());
        assertTrue(server.maxConcurrentRequests() <= 3, "at most maxConcurrency at once: "
                + server.maxConcurrentRequests());
    }

    @Test
    void endpointsServeGenerateAllFromSeveralServersEachWithinItsMaxConcurrencyAndKey() {
        server.respond(r -> Reply.completion("<START>a " + r.message("user").lines().skip(1).findFirst()
                .orElseThrow() + "<END>").withDelay(Duration.ofMillis(150)));
        try (ScriptedOpenAiServer second = ScriptedOpenAiServer.start().respond(r -> Reply.completion("<START>b "
                + r.message("user").lines().skip(1).findFirst().orElseThrow() + "<END>")
                .withDelay(Duration.ofMillis(150)))) {
            List<String> queries = List.of("one", "two", "three", "four", "five", "six");
            AutoModel.Builder b = AutoModel.builder().openAiModel(true).model("test-model").embeddingCacheDir(cache)
                    .environment(Environment.of(Map.of("KEY_1", "sk-one", "KEY_2", "sk-two")))
                    .endpoints(List.of(new Endpoint(server.baseUrl(), "KEY_1", 1, 1, null),
                            new Endpoint(second.baseUrl(), "KEY_2", 2, 1, "other-name")));
            try (AutoModel m = b.build()) {
                List<String> answers = m.generateAll(queries, NO_ICL);
                assertEquals(queries, answers.stream().map(a -> a.substring(2)).toList());
                assertEquals(2, answers.stream().filter(a -> a.startsWith("a ")).count(), answers.toString());
                assertEquals(4, answers.stream().filter(a -> a.startsWith("b ")).count(), answers.toString());
            }
            assertEquals(1, server.maxConcurrentRequests());
            assertEquals(2, second.maxConcurrentRequests());
            assertEquals("Bearer sk-one", server.lastRequest().header("Authorization"));
            assertEquals("Bearer sk-two", second.lastRequest().header("Authorization"));
            assertEquals("test-model", server.lastRequest().model());
            assertEquals("other-name", second.lastRequest().model());
            try (ChatModel roles = b.embeddingCacheDir(null).buildChatModel()) {
                assertTrue(roles instanceof RetryingChatModel r && r.delegate() instanceof RoutingChatModel,
                        "the router in the one retry layer: " + roles);
                assertEquals("test-model", roles.modelName());
            }
        }
        assertEquals("buildChatModel(): openAiModel(true) with endpoints cannot honour settings for one OpenAI-compatible endpoint"
                + " (set openAiModel(true) for those; with endpoints, give them per endpoint): baseUrl \"" + server.baseUrl() + "\", maxConcurrency 2",
                assertThrows(InvalidRequestException.class, () -> api().embeddingCacheDir(null).apiKey(null)
                        .maxConcurrency(2).endpoints(List.of(Endpoint.of(server.baseUrl()))).buildChatModel())
                        .getMessage());
        assertEquals("buildChatModel(): A local model cannot honour settings for several endpoints of OpenAI-compatible models (set"
                + " openAiModel(true) and endpoints for those): endpoints", assertThrows(InvalidRequestException.class, () -> AutoModel.builder()
                .model("x.gguf").endpoints(List.of(Endpoint.of(server.baseUrl()))).buildChatModel()).getMessage());
    }

    @Test
    void moreThanFourStopStringsIsAClearError() {
        try (AutoModel m = api().build()) {
            GenerateOptions five = NO_ICL.toBuilder().stop("a", "b", "c", "d", "e").build();
            assertEquals("stop must hold at most 4 strings for test-model, but was"
                    + " [a, b, c, d, e]", assertThrows(InvalidRequestException.class,
                    () -> m.generate("Hi?", five)).getMessage());
            assertThrows(InvalidRequestException.class, () -> m.stream("Hi?", five));
            assertThrows(InvalidRequestException.class, () -> m.generateAll(List.of("Hi?"), five));
        }
        assertEquals(List.of(), server.requests());
    }
}
