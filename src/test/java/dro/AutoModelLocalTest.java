package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.icl.IclExample;
import dro.icl.IclExamples;
import dro.icl.internal.IclRetriever;
import dro.icl.MiniLmEmbedder;
import dro.prompt.internal.PromptResources;
import dro.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** AutoModel on the real llama.cpp library, with tiny GGUF models written by the tests. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AutoModelLocalTest {

    @TempDir
    Path cache;

    AutoModel chat;
    AutoModel base;

    static final GenerateOptions GREEDY = GenerateOptions.builder().temperature(0).numOptimizedIcl(1).build();

    @BeforeAll
    void load() {
        chat = AutoModel.builder().model(TestModels.scriptedChat()).threads(2).parallelSlots(2).maxModelLen(12288)
                .embeddingCacheDir(cache).build();
        base = AutoModel.builder().model(TestModels.scriptedBase()).threads(2).maxModelLen(12288)
                .embeddingCacheDir(cache).build();
    }

    @AfterAll
    void close() {
        chat.close();
        base.close();
    }

    private static String basePrompt() {
        return PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT);
    }

    private static String expectedSystem(String prompt, List<IclExample> examples) {
        StringBuilder sb = new StringBuilder(prompt);
        for (IclExample e : examples) {
            sb.append("\n\n#Query:\n").append(e.query()).append("\n\n#Answer:\n").append(e.answer());
        }
        return sb.toString();
    }

    @Test
    void chatModelPromptIsTheGgufTemplateAppliedToSystemAndUser() {
        String query = "Little flies circle my bananas. How do I get rid of them?";
        AssembledPrompt a = chat.assemble(query, GenerateOptions.builder().numOptimizedIcl(2).build());

        List<IclExample> expectedExamples = new IclRetriever(IclExamples.bundled(), MiniLmEmbedder.INSTANCE, cache)
                .topK(query, 2).stream().map(IclRetriever.Scored::example).toList();
        assertEquals(expectedExamples, a.examples());
        assertEquals("How do I get rid of fruit flies in my kitchen?", a.examples().get(0).query());
        assertEquals(expectedSystem(basePrompt(), expectedExamples), a.system());
        assertEquals("# Query:\n" + query + "\n\n# Answer:\n<START>", a.user());
        assertEquals("<|system|>\n" + a.system() + "<|end|>\n<|user|>\n" + a.user() + "<|end|>\n<|assistant|>\n",
                a.prompt());
    }

    @Test
    void baseModelPromptIsTheRawConcatenation() {
        AssembledPrompt a = base.assemble("What is 2+2?", GenerateOptions.builder().optimizedIcl(false).build());
        assertEquals(basePrompt(), a.system());
        assertEquals(basePrompt() + "\n\n# Query:\nWhat is 2+2?\n\n# Answer:\n<START>", a.prompt());
        assertTrue(a.examples().isEmpty());
    }

    @Test
    void dryRunJsonHoldsSystemUserPromptAndWhereTheSystemPromptCameFrom() throws Exception {
        AssembledPrompt a = chat.assemble("Hello?", GenerateOptions.builder().optimizedIcl(false).build());
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(a.toJson());
        assertEquals(List.of("system", "user", "prompt", "systemPromptSource"), iterable(node.fieldNames()));
        assertEquals(a.prompt(), node.get("prompt").asText());
        assertEquals("{\"kind\":\"base\",\"detail\":\"base alignment prompt\"}",
                node.get("systemPromptSource").toString());
    }

    @Test
    void userSystemPromptReplacesTheOptimisedOneAndKeepsIcl() {
        AssembledPrompt a = chat.assemble("Hello?", GenerateOptions.builder().userSpecifiedSystemPrompt("Be terse.")
                .numOptimizedIcl(1).build());
        assertTrue(a.system().startsWith("Be terse.\n\n#Query:\n"), a.system());
        assertEquals(1, a.examples().size());
    }

    @Test
    void optimisedPromptIsUsedUnlessTurnedOff() {
        try (AutoModel m = AutoModel.builder().model(TestModels.scriptedBase()).threads(1).maxModelLen(12288)
                .optimizedPrompt("You are DRO-aligned.").embeddingCacheDir(cache).build()) {
            GenerateOptions noIcl = GenerateOptions.builder().optimizedIcl(false).build();
            assertEquals("You are DRO-aligned.", m.assemble("Hi?", noIcl).system());
            assertEquals(basePrompt(), m.assemble("Hi?", noIcl.toBuilder().optimizedPrompt(false).build()).system());
        }
    }

    @Test
    void answersAreTheTextBeforeEndWithoutMarkers() {
        assertEquals("Hi", chat.generate("How are you?", GREEDY));
        assertEquals("Hi", base.generate("How are you?", GREEDY));
        assertEquals("Hi", chat.generate("How are you?", GenerateOptions.builder().numOptimizedIcl(1).build()),
                "default sampling; the scripted model is near-certain");
    }

    @Test
    void maxNewTokensIsHonoured() {
        Generation g = chat.complete("Count.", GREEDY.toBuilder().stop(List.of()).maxNewTokens(5).build());
        assertEquals("Hi<EN", g.text());
        assertEquals(5, g.usage().completionTokens());
        assertEquals(FinishReason.LENGTH, g.finishReason());
    }

    @Test
    void stopStringsCutTheAnswer() {
        Generation g = chat.complete("Count.", GREEDY.toBuilder().stop("i").build());
        assertEquals("H", g.text());
        assertEquals(FinishReason.STOP, g.finishReason());
        assertEquals(FinishReason.STOP, chat.complete("Count.", GREEDY).finishReason());
    }

    @Test
    void usageCountsThePromptTokensTheModelReads() {
        GenerateOptions o = GREEDY.toBuilder().optimizedIcl(false).build();
        Generation g = base.complete("Why?", o);
        // the scripted vocabulary has one token per character (a space is one token too)
        assertEquals(base.assemble("Why?", o).prompt().getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                g.usage().promptTokens());
    }

    @Test
    void streamingDeliversPiecesAsTheyComeAndTheCleanedResult() {
        List<String> pieces = new ArrayList<>();
        Generation g = chat.generate("Stream?", GREEDY, pieces::add);
        assertEquals(List.of("H", "i"), pieces);
        assertEquals("Hi", g.text());
    }

    @Test
    void streamingCanBeCancelledFromAnotherThread() throws Exception {
        GenerateOptions endless = GREEDY.toBuilder().stop(List.of()).maxNewTokens(100000).build();
        TokenStream s = chat.stream("Go on.", endless);
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
        assertEquals(FinishReason.CANCELLED, s.result().finishReason());
    }

    // ---- bad input: clear exceptions, and the JVM and the model survive ----

    @Test
    void rejectsAMissingModelFile() {
        Path missing = cache.resolve("absent.gguf");
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> AutoModel.builder().model(missing).build());
        assertEquals("Model file not found: " + missing.toAbsolutePath(), e.getMessage());
    }

    @Test
    void rejectsACorruptModelFileBeforeLlamaCppSeesIt() throws Exception {
        byte[] whole = java.nio.file.Files.readAllBytes(TestModels.scriptedChat());
        Path cut = java.nio.file.Files.write(cache.resolve("cut.gguf"), java.util.Arrays.copyOf(whole, whole.length - 100));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> AutoModel.builder().model(cut).build());
        assertTrue(e.getMessage().startsWith("Invalid GGUF file " + cut.toAbsolutePath()), e.getMessage());
    }

    @Test
    void rejectsAPromptLongerThanTheContextAndStaysUsable() {
        try (AutoModel small = AutoModel.builder().model(TestModels.scriptedChat()).threads(1).maxModelLen(256)
                .embeddingCacheDir(cache).build()) {
            ContextOverflowException e = assertThrows(ContextOverflowException.class,
                    () -> small.generate("Why is the sky blue?", GREEDY));
            assertEquals(256, e.contextTokens());
            assertTrue(e.promptTokens() > 256);
            assertEquals("The prompt is " + e.promptTokens() + " tokens but the context holds 256 tokens per request"
                    + " (maxModelLen); shorten the query or the system prompt, use fewer ICL examples, or raise"
                    + " maxModelLen", e.getMessage());
            assertEquals("Hi", small.generate("Why?", GREEDY.toBuilder().optimizedIcl(false)
                    .userSpecifiedSystemPrompt("Be brief.").build()));
        }
    }

    @Test
    void answerIsCappedAtTheContextThatIsLeft() {
        try (AutoModel small = AutoModel.builder().model(TestModels.scriptedBase()).threads(1).maxModelLen(64)
                .embeddingCacheDir(cache).build()) {
            GenerateOptions o = GREEDY.toBuilder().optimizedIcl(false).userSpecifiedSystemPrompt("Be brief.")
                    .stop(List.of()).maxNewTokens(1000).build();
            Generation g = small.complete("Why?", o);
            assertEquals(64 - g.usage().promptTokens(), g.usage().completionTokens());
            assertEquals(FinishReason.LENGTH, g.finishReason());
        }
    }

    @Test
    void rejectsAnEmptyQuery() {
        assertEquals("query must not be empty, but was \"  \"",
                assertThrows(InvalidRequestException.class, () -> chat.generate("  ")).getMessage());
        assertEquals("queries[1] must not be empty, but was null", assertThrows(InvalidRequestException.class,
                () -> chat.generateAll(java.util.Arrays.asList("ok", null), GREEDY)).getMessage());
    }

    @Test
    void rejectsGpuSettingsTheBundledLibraryCannotHonour() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> AutoModel.builder().model(TestModels.scriptedChat()).numGpus(1).build());
        assertTrue(e.getMessage().startsWith("numGpus 1 asks for GPUs"), e.getMessage());
        assertEquals("cudaVisibleDevices \"gpu0\" must be a comma-separated list of device numbers such as \"0,1\";"
                + " \"gpu0\" is not one", assertThrows(InvalidRequestException.class,
                () -> AutoModel.builder().model(TestModels.scriptedChat()).numGpus(1).cudaVisibleDevices("gpu0")
                        .build()).getMessage());
    }

    @Test
    void aGenerationPastItsTimeoutFailsRetriablyAndTheModelStaysUsable() {
        try (AutoModel slow = AutoModel.builder().model(TestModels.scriptedBase()).threads(1).maxModelLen(12288)
                .timeout(java.time.Duration.ofMillis(1)).embeddingCacheDir(cache).build()) {
            GenerateOptions endless = GREEDY.toBuilder().optimizedIcl(false).stop(List.of()).maxNewTokens(5000).build();
            GenerationException e = assertThrows(GenerationException.class, () -> slow.generate("Go.", endless));
            assertTrue(e.isRetriable());
            assertTrue(e.getMessage().startsWith("The local generation timed out after PT0.001S"), e.getMessage());
        }
    }

    @Test
    void aClosedModelSaysSo() {
        AutoModel m = AutoModel.builder().model(TestModels.scriptedBase()).threads(1).maxModelLen(12288)
                .embeddingCacheDir(cache).build();
        m.close();
        assertEquals("This model has been closed", assertThrows(InvalidRequestException.class,
                () -> m.generate("Hi?", GREEDY)).getMessage());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> l = new ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }
}
