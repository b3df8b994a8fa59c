package dro;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.AutoModel.Kind;
import dro.backend.Endpoint;
import dro.backend.RetryPolicy;
import dro.backend.RoutingChatModel;
import dro.backend.ScriptedChatModel;
import dro.hub.HubClient;
import dro.icl.IclExample;
import dro.prompt.PromptRegistry;
import dro.compat.OriginalPrompts;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every setting of {@link AutoModel.Builder} against every kind of model: honoured where it applies, refused with an
 * {@link InvalidRequestException} naming it where it does not. The rule table below is written out here, apart from
 * the builder's own; a setter without a row (or a row without a sample value) fails
 * {@link #everySetterHasARuleAndASampleValue()}. Pure logic: nothing is loaded or sent.
 */
class AutoModelSettingsTest {

    private static final Set<Kind> LOCAL = EnumSet.of(Kind.LOCAL_FILE, Kind.LOCAL_NAME);
    private static final Set<Kind> API = EnumSet.of(Kind.API, Kind.ENDPOINTS);
    private static final Set<Kind> LOADED = EnumSet.of(Kind.LOCAL_FILE, Kind.LOCAL_NAME, Kind.API, Kind.ENDPOINTS);
    private static final Set<Kind> ALL = EnumSet.allOf(Kind.class);

    /** A row: where the setting applies, and a value to give it. */
    private record Rule(Set<Kind> kinds, UnaryOperator<AutoModel.Builder> sample) { }

    /** The settings that choose the kind of model; tested one by one below. */
    private static final Set<String> KIND_SETTINGS = Set.of("model", "chatModel", "openAiModel", "endpoints");

    private static final Map<String, Rule> RULES = new LinkedHashMap<>();

    static {
        rule("numGpus", LOCAL, b -> b.numGpus(0)); // its default value, given
        rule("cudaVisibleDevices", LOCAL, b -> b.numGpus(1).cudaVisibleDevices("0"));
        rule("dtype", LOCAL, b -> b.dtype("auto"));
        rule("gpuMemoryUtilization", LOCAL, b -> b.numGpus(1).gpuMemoryUtilization(0.9));
        rule("maxModelLen", LOCAL, b -> b.maxModelLen(2048));
        rule("timeout", LOADED, b -> b.timeout(Duration.ofSeconds(30)));
        rule("gpuLayers", LOCAL, b -> b.gpuLayers(0));
        rule("threads", LOCAL, b -> b.threads(4));
        rule("parallelSlots", LOCAL, b -> b.parallelSlots(1));
        rule("nativeLibraryPath", LOCAL, b -> b.nativeLibraryPath(Path.of("/opt/llama")));
        rule("optimizedPrompt", ALL, b -> b.optimizedPrompt("Be kind."));
        rule("optimizedPromptFile", ALL, b -> b.optimizedPromptFile(Path.of("prompt.txt")));
        rule("iclExamples", ALL, b -> b.iclExamples(List.of(new IclExample("q", "a"))));
        rule("iclFile", ALL, b -> b.iclFile(Path.of("icl.json")));
        rule("embedder", ALL, b -> b.embedder(dro.testing.LetterEmbedder.INSTANCE));
        rule("embeddingCacheDir", ALL, b -> b.embeddingCacheDir(Path.of("emb")));
        rule("defaultOptions", ALL, b -> b.defaultOptions(GenerateOptions.DEFAULTS));
        rule("hubClient", EnumSet.of(Kind.LOCAL_NAME), b -> b.hubClient(HubClient.builder().build()));
        rule("modelCacheDir", EnumSet.of(Kind.LOCAL_NAME), b -> b.modelCacheDir(Path.of("models")));
        rule("offline", EnumSet.of(Kind.LOCAL_NAME), b -> b.offline(false));
        rule("quantization", EnumSet.of(Kind.LOCAL_NAME), b -> b.quantization("Q8_0"));
        rule("downloadListener", EnumSet.of(Kind.LOCAL_NAME), b -> b.downloadListener(dro.hub.DownloadListener.NONE));
        rule("promptRegistry", LOADED, b -> b.promptRegistry(PromptRegistry.builder().build()));
        rule("promptSource", EnumSet.of(Kind.LOCAL_NAME, Kind.API, Kind.ENDPOINTS),
                b -> b.promptSource(URI.create("http://127.0.0.1:9/mirror")));
        rule("originalPrompts", EnumSet.of(Kind.LOCAL_NAME, Kind.API, Kind.ENDPOINTS),
                b -> b.originalPrompts(OriginalPrompts.builder().build()));
        rule("pullPrompts", EnumSet.of(Kind.LOCAL_NAME, Kind.API, Kind.ENDPOINTS), b -> b.pullPrompts(true));
        rule("apiKey", EnumSet.of(Kind.API), b -> b.apiKey("sk-secret-value"));
        rule("baseUrl", EnumSet.of(Kind.API), b -> b.baseUrl("http://127.0.0.1:8000/v1"));
        rule("reasoningModel", API, b -> b.reasoningModel(false));
        rule("endpointPool", EnumSet.of(Kind.ENDPOINTS), b -> b.endpointPool(new RoutingChatModel.Pool()));
        rule("maxConcurrency", EnumSet.of(Kind.API), b -> b.maxConcurrency(4));
        rule("maxAttempts", API, b -> b.maxAttempts(3));
        rule("retryPolicy", API, b -> b.retryPolicy(RetryPolicy.DEFAULT));
        rule("environment", API, b -> b.environment(Environment.SYSTEM));
    }

    private static void rule(String setter, Set<Kind> kinds, UnaryOperator<AutoModel.Builder> sample) {
        RULES.put(setter, new Rule(kinds, sample));
    }

    /** A builder of each kind, with nothing else given. */
    static AutoModel.Builder of(Kind kind) {
        AutoModel.Builder b = AutoModel.builder();
        return switch (kind) {
            case LOCAL_FILE -> b.model(Path.of("/nonexistent/model.gguf"));
            case LOCAL_NAME -> b.model("mistral-7b");
            case API -> b.openAiModel(true).model("gpt-4o-mini");
            case ENDPOINTS -> b.openAiModel(true).model("gpt-4o-mini")
                    .endpoints(List.of(new Endpoint("http://127.0.0.1:8000/v1", "KEY", 4, 1, null)));
            case CHAT_MODEL -> b.chatModel(new ScriptedChatModel("custom"));
        };
    }

    @Test
    void everySetterHasARuleAndASampleValue() {
        Set<String> setters = new TreeSet<>();
        for (Method m : AutoModel.Builder.class.getMethods()) {
            if (m.getReturnType() == AutoModel.Builder.class && !Modifier.isStatic(m.getModifiers())) {
                setters.add(m.getName());
            }
        }
        Set<String> covered = new TreeSet<>(RULES.keySet());
        covered.addAll(KIND_SETTINGS);
        assertEquals(setters, covered, "a setter of AutoModel.Builder needs a rule here (and in AutoModel.Setting)");
        assertEquals(setters, Arrays.stream(AutoModel.Setting.values()).map(s -> s.setter)
                .collect(Collectors.toCollection(TreeSet::new)));
    }

    static Stream<Arguments> settingsByKind() {
        List<Arguments> out = new ArrayList<>();
        for (Map.Entry<String, Rule> r : RULES.entrySet()) {
            for (Kind k : Kind.values()) {
                out.add(Arguments.of(r.getKey(), k, r.getValue().kinds().contains(k), r.getValue().sample()));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} on {1}: honoured {2}")
    @MethodSource("settingsByKind")
    void aSettingIsHonouredWhereItAppliesAndRefusedByNameElsewhere(String setter, Kind kind, boolean applies,
                                                                  UnaryOperator<AutoModel.Builder> sample) {
        AutoModel.Builder b = sample.apply(of(kind));
        if (applies) {
            assertDoesNotThrow(() -> b.checkSettingsApply(false));
        } else {
            String message = assertThrows(InvalidRequestException.class, () -> b.checkSettingsApply(false))
                    .getMessage();
            assertTrue(message.startsWith(kind.label + " cannot honour "), message);
            assertTrue(message.contains(": " + setter) || message.contains(", " + setter), message);
        }
    }

    @Test
    void aSettingGivenWithItsDefaultValueIsStillRefusedWhereItDoesNotApply() {
        assertEquals("openAiModel(true) cannot honour settings for local models: numGpus 0, dtype \"auto\","
                        + " parallelSlots 1",
                assertThrows(InvalidRequestException.class, () -> of(Kind.API).numGpus(0).dtype("auto")
                        .parallelSlots(1).build()).getMessage());
    }

    @Test
    void aChatModelRefusesLocalApiAndDownloadSettingsNamingEach() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> of(Kind.CHAT_MODEL)
                .threads(4).quantization("Q8_0").apiKey("sk-secret-value").timeout(Duration.ofSeconds(5)).build());
        assertEquals("chatModel cannot honour settings for a model dro4j loads (chatModel runs yours as it is):"
                + " timeout PT5S; settings for local models: threads 4; settings for downloading a model by name:"
                + " quantization \"Q8_0\"; settings for one OpenAI-compatible endpoint (set openAiModel(true) for"
                + " those; with endpoints, give them per endpoint): apiKey", e.getMessage());
    }

    @Test
    void aModelNameBesideAChatModelIsRefused() {
        assertEquals("chatModel cannot honour settings for a model dro4j loads (chatModel runs yours as it is):"
                        + " model \"mistral-7b\"",
                assertThrows(InvalidRequestException.class, () -> of(Kind.CHAT_MODEL).model("mistral-7b").build())
                        .getMessage());
    }

    @Test
    void endpointsWithoutOpenAiModelAreRefused() {
        assertEquals("A local model cannot honour settings for several endpoints of OpenAI-compatible models (set"
                + " openAiModel(true) and endpoints for those): endpoints", assertThrows(InvalidRequestException.class,
                        () -> of(Kind.LOCAL_NAME).endpoints(List.of(Endpoint.of("http://127.0.0.1:8000/v1")))
                                .checkSettingsApply(false)).getMessage());
    }

    @Test
    void openAiModelFalseIsALocalModelAndAChatModelWithOpenAiModelTrueIsRefused() {
        assertDoesNotThrow(() -> of(Kind.LOCAL_NAME).openAiModel(false).threads(2).checkSettingsApply(false));
        assertEquals("Give chatModel or openAiModel(true), not both", assertThrows(InvalidRequestException.class,
                () -> of(Kind.CHAT_MODEL).openAiModel(true).build()).getMessage());
    }

    @Test
    void aModelNamedByAnExistingFilesPathIsALocalFileAndTakesNoDownloadSettings(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path gguf = java.nio.file.Files.writeString(dir.resolve("m.gguf"), "not really");
        AutoModel.Builder b = AutoModel.builder().model(gguf.toString());
        assertEquals(Kind.LOCAL_FILE, b.kind());
        assertEquals("A local model file cannot honour settings for downloading a model by name: quantization"
                        + " \"Q8_0\"",
                assertThrows(InvalidRequestException.class, () -> b.quantization("Q8_0").checkSettingsApply(false))
                        .getMessage());
    }

    @Test
    void aSetterGivenNullUnsetsItsSetting() {
        assertDoesNotThrow(() -> of(Kind.CHAT_MODEL).nativeLibraryPath(Path.of("/opt")).nativeLibraryPath(null)
                .quantization(null).checkSettingsApply(false));
    }

    @Test
    void theBareChatModelRefusesPromptAndExampleSettings() {
        assertEquals("buildChatModel(): chatModel cannot honour settings for prompts and examples (build() uses"
                        + " them): optimizedPrompt, defaultOptions",
                assertThrows(InvalidRequestException.class, () -> of(Kind.CHAT_MODEL).optimizedPrompt("Be kind.")
                        .defaultOptions(GenerateOptions.DEFAULTS).buildChatModel()).getMessage());
    }

    @Test
    void gpuMemoryUtilizationIsRefusedBesideGpuLayersAndWithoutGpus() {
        assertEquals("gpuMemoryUtilization 0.9 only derives gpuLayers, which is given (gpuLayers 10): give one of"
                + " them", assertThrows(InvalidRequestException.class, () -> of(Kind.LOCAL_NAME).numGpus(1)
                        .gpuLayers(10).gpuMemoryUtilization(0.9).checkSettingsApply(false)).getMessage());
        assertEquals("gpuMemoryUtilization 0.5 needs numGpus of 1 or more (a model on the CPU fills no GPU memory)",
                assertThrows(InvalidRequestException.class, () -> of(Kind.LOCAL_FILE).gpuMemoryUtilization(0.5)
                        .checkSettingsApply(false)).getMessage());
    }

    @Test
    void promptLookupSettingsAreRefusedWhenThePromptIsGiven() {
        assertEquals("The optimised prompt is given (optimizedPrompt), so nothing looks one up or pulls one:"
                        + " promptRegistry, pullPrompts false",
                assertThrows(InvalidRequestException.class, () -> of(Kind.API).optimizedPrompt("Be kind.")
                        .promptRegistry(PromptRegistry.builder().build()).pullPrompts(false)
                        .checkSettingsApply(false)).getMessage());
    }
}
