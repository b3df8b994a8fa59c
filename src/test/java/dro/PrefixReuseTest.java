package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.icl.Embedder;
import dro.icl.IclExample;
import dro.icl.IclOrder;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prefix reuse on the real llama.cpp library: what each request evaluates, the ICL order option, and generateAll
 * grouping. The tiny models read one token per character, so the expected counts follow from the prompt texts.
 */
class PrefixReuseTest {

    @TempDir
    Path cache;

    /** Three examples; queries embed near them in chosen orders (2-d vectors, cosine similarity). */
    static final List<IclExample> EXAMPLES = List.of(
            new IclExample("How do rivers form?", "<START>\nRain gathers in channels.\n<END>"),
            new IclExample("Why do cats purr?", "<START>\nTo signal calm, and to heal.\n<END>"),
            new IclExample("What is bread?", "<START>\nBaked dough of flour and water.\n<END>"));

    /** Query vectors: "a..." near rivers then cats, "b..." near cats then rivers, "c..." near bread then rivers. */
    static final Embedder EMBEDDER = new Embedder() {
        final Map<String, float[]> table = Map.of(
                "How do rivers form?", new float[] {1, 0, 0},
                "Why do cats purr?", new float[] {0, 1, 0},
                "What is bread?", new float[] {0, 0, 1});

        @Override
        public String id() {
            return "prefix-reuse-test";
        }

        @Override
        public float[] embed(String text) {
            float[] v = table.get(text);
            if (v != null) {
                return v;
            }
            return switch (text.charAt(0)) {
                case 'a' -> new float[] {0.9f, 0.5f, 0};
                case 'b' -> new float[] {0.5f, 0.9f, 0};
                default -> new float[] {0.5f, 0, 0.9f};
            };
        }
    };

    static final GenerateOptions GREEDY = GenerateOptions.builder().userSpecifiedSystemPrompt("Answer well.")
            .temperature(0).numOptimizedIcl(2)
            .stop(List.of()).maxNewTokens(6).build();

    int copies;

    /**
     * A model whose slots start empty: a copy of the file of its own, since models of the same file and settings share
     * one loaded model, with what its slots cached (SharedModels).
     */
    AutoModel model(Path gguf, int slots) {
        Path own = cache.resolve("copy-" + ++copies + "-" + gguf.getFileName());
        try {
            Files.copy(gguf, own);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return AutoModel.builder().model(own).threads(2).parallelSlots(slots).maxModelLen(2048)
                .iclExamples(EXAMPLES).embedder(EMBEDDER).embeddingCacheDir(cache).build();
    }

    static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    @Test
    void aRepeatedQueryEvaluatesOnlyItsLastPromptToken() {
        try (AutoModel m = model(TestModels.scriptedChat(), 1)) {
            Generation first = m.complete("a question?", GREEDY);
            Generation again = m.complete("a question?", GREEDY);

            assertEquals(bytes(m.assemble("a question?", GREEDY).prompt()), first.usage().promptTokens());
            assertEquals(first.usage().promptTokens(), first.usage().evaluatedPromptTokens());
            assertEquals(first.usage().promptTokens(), again.usage().promptTokens());
            assertEquals(1, again.usage().evaluatedPromptTokens());
        }
    }

    @Test
    void aQueryEvaluatesOnlyWhatFollowsThePrefixItSharesWithTheSlot() {
        try (AutoModel m = model(TestModels.scriptedChat(), 1)) {
            String p1 = m.assemble("a first question?", GREEDY).prompt();
            String p2 = m.assemble("a second question?", GREEDY).prompt();
            m.complete("a first question?", GREEDY);

            Generation g = m.complete("a second question?", GREEDY);

            assertEquals(bytes(p2) - commonPrefix(p1, p2), g.usage().evaluatedPromptTokens());
            assertTrue(g.usage().evaluatedPromptTokens() < 70, g.usage().toString());
        }
    }

    @Test
    void aRequestTakesTheIdleSlotHoldingItsPrefixNotOneItWouldEvict() {
        try (AutoModel m = model(TestModels.scriptedChat(), 2)) {
            GenerateOptions other = GREEDY.toBuilder().userSpecifiedSystemPrompt("Something else entirely.").build();
            m.complete("a question?", GREEDY);                 // slot 0
            m.complete("a question?", other);                  // an empty slot, not slot 0
            Generation back = m.complete("a question?", GREEDY);
            Generation otherBack = m.complete("a question?", other);

            assertEquals(1, back.usage().evaluatedPromptTokens());
            assertEquals(1, otherBack.usage().evaluatedPromptTokens());
        }
    }

    @Test
    void theDefaultIclOrderIsTheOriginalsMostSimilarFirst() {
        try (AutoModel m = model(TestModels.scriptedChat(), 1)) {
            assertEquals(IclOrder.SIMILARITY, GenerateOptions.DEFAULTS.iclOrder());
            assertFalse(GenerateOptions.DEFAULTS.groupSharedPrefixes());
            assertEquals(List.of(EXAMPLES.get(1), EXAMPLES.get(0)), m.assemble("b question?", GREEDY).examples());
            assertEquals(m.assemble("b question?", GREEDY),
                    m.assemble("b question?", GREEDY.toBuilder().iclOrder(IclOrder.SIMILARITY).build()));
        }
    }

    @Test
    void fileOrderGivesQueriesThatRetrieveTheSameExamplesTheSameSystemPrompt() {
        GenerateOptions file = GREEDY.toBuilder().iclOrder(IclOrder.FILE).build();
        try (AutoModel m = model(TestModels.scriptedChat(), 1)) {
            AssembledPrompt a = m.assemble("a question?", file);
            AssembledPrompt b = m.assemble("b question?", file);
            assertEquals(List.of(EXAMPLES.get(0), EXAMPLES.get(1)), a.examples());
            assertEquals(a.system(), b.system());
            assertNotEquals(m.assemble("a question?", GREEDY).system(), m.assemble("b question?", GREEDY).system());

            m.complete("a question?", file);
            Generation g = m.complete("b question?", file);
            assertEquals(bytes(b.prompt()) - commonPrefix(a.prompt(), b.prompt()), g.usage().evaluatedPromptTokens());
            assertTrue(g.usage().evaluatedPromptTokens() <= bytes(b.user()) + 30, g.usage().toString());
        }
    }

    static final List<String> BATCH = List.of("a 1 zqxj vvkw?", "c 22 mmmm!", "b three 333?",
            "c FOUR four 4444", "a five: 5 5 5 5 5", "b six 66 ~~~~", "c seven 7 ;;;;;;;", "a eight 8 ########");

    @Test
    void groupedGenerateAllGivesTheSameAnswersInQueryOrderAndEvaluatesEachSharedPrefixOnce() {
        GenerateOptions file = GREEDY.toBuilder().iclOrder(IclOrder.FILE).maxNewTokens(24).build();
        GenerateOptions grouped = file.toBuilder().groupSharedPrefixes(true).build();
        List<Generation> plain;
        List<Generation> sorted;
        List<String> prompts;
        try (AutoModel m = model(TestModels.majorityDigitChat(), 1)) {
            prompts = BATCH.stream().map(q -> m.assemble(q, file).prompt()).toList();
            plain = m.completeAll(BATCH, file);
        }
        try (AutoModel m = model(TestModels.majorityDigitChat(), 1)) {
            sorted = m.completeAll(BATCH, grouped);
        }
        assertEquals(plain.stream().map(Generation::text).toList(), sorted.stream().map(Generation::text).toList());
        assertTrue(plain.stream().map(Generation::text).distinct().count() > 1, "answers depend on the prompt: " + plain.stream().map(Generation::text).toList());

        assertEquals(expectedEvaluated(prompts), total(plain));
        List<String> byTokens = new ArrayList<>(prompts);
        byTokens.sort((x, y) -> Arrays.compare(tokens(x), tokens(y)));
        assertEquals(expectedEvaluated(byTokens), total(sorted));
        assertTrue(total(sorted) < total(plain), total(sorted) + " vs " + total(plain));
    }

    @Test
    void groupedGenerateAllOnSeveralSlotsGivesTheSameAnswers() {
        GenerateOptions grouped = GREEDY.toBuilder().iclOrder(IclOrder.FILE).groupSharedPrefixes(true).build();
        try (AutoModel m = model(TestModels.majorityDigitChat(), 3)) {
            List<String> sequential = BATCH.stream().map(q -> m.generate(q, grouped)).toList();
            // the model answers with each query's most frequent digit
            assertEquals(List.of("111111", "222222", "333333", "444444", "555555", "666666", "777777", "888888"),
                    sequential);
            assertEquals(sequential, m.generateAll(BATCH, grouped));
            assertEquals(List.of(), m.generateAll(List.of(), grouped));
        }
    }

    /** What one slot evaluates for these prompts in this order, starting empty. */
    static int expectedEvaluated(List<String> prompts) {
        int total = 0;
        String previous = "";
        for (String p : prompts) {
            int common = commonPrefix(previous, p);
            total += bytes(p) - (common == p.length() ? common - 1 : common);
            previous = p;
        }
        return total;
    }

    /** The tiny models' tokens of an ASCII text (no BOS). */
    static int[] tokens(String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        int[] t = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            t[i] = TinyGguf.tokenOfByte(b[i]);
        }
        return t;
    }

    static int total(List<Generation> gs) {
        return gs.stream().mapToInt(g -> g.usage().evaluatedPromptTokens()).sum();
    }

    @Test
    void aStreamHoldsItsSlotUntilItIsClosed() throws Exception {
        GenerateOptions endless = GREEDY.toBuilder().maxNewTokens(100000).build();
        try (AutoModel m = model(TestModels.scriptedChat(), 1)) {
            TokenStream s = m.stream("a question?", endless);
            s.next();
            CompletableFuture<String> other = CompletableFuture.supplyAsync(() -> m.generate("b question?", GREEDY));
            assertThrows(TimeoutException.class, () -> other.get(500, TimeUnit.MILLISECONDS));
            s.close();
            assertEquals("Hi<END", other.get(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void waitingForAFreeSlotCountsAgainstTheTimeout() {
        GenerateOptions endless = GREEDY.toBuilder().maxNewTokens(100000).build();
        try (AutoModel m = AutoModel.builder().model(TestModels.scriptedChat()).threads(2).maxModelLen(2048)
                .timeout(Duration.ofMillis(300)).iclExamples(EXAMPLES).embedder(EMBEDDER).embeddingCacheDir(cache)
                .build()) {
            try (TokenStream s = m.stream("a question?", endless)) {
                s.next();
                GenerationException e = assertThrows(GenerationException.class, () -> m.generate("b?", GREEDY));
                assertEquals("The local generation timed out after PT0.3S waiting for one of the 1 slot(s) to be"
                        + " free (parallelSlots)", e.getMessage());
                assertTrue(e.isRetriable());
            }
        }
    }
}
