package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One local model under load: 16 threads × 25 requests on 4 parallel slots. Every request completes, with the answer
 * a sequential run gives at temperature 0; the figures are printed. The answers are compared on the majority-digit
 * model ({@link dro.testing.TinyGguf#majorityDigit}), whose greedy output reads the whole cached context through
 * attention but has margins far above float noise: a random model's near-tied tokens can flip when llama.cpp batches
 * requests differently, which would make "identical answers" a matter of luck.
 */
@Tag("slow")
class LocalLoadTest {

    static final int THREADS = 16;
    static final int PER_THREAD = 25;
    static final int DISTINCT = 50;

    @TempDir
    Path cache;

    @Test
    void parallelSlotsWithSmallContextsKeepWorkingAsTheirSharedCacheFragments() {
        GenerateOptions o = GenerateOptions.builder().temperature(0).optimizedIcl(false)
                .userSpecifiedSystemPrompt("You are a helpful assistant.").stop(List.of()).maxNewTokens(150).build();
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            queries.add("Question " + i + ": tell me something about the number " + (i * 37 % 101) + ".");
        }
        // 4 slots of 256 tokens, each request using ~200: before the cache had spare cells, this failed within a
        // few rounds with llama.cpp's "failed to prepare ubatch"
        try (AutoModel m = AutoModel.builder().model(TestModels.randomChat()).threads(2).parallelSlots(4)
                .maxModelLen(256).embeddingCacheDir(cache).build()) {
            for (int round = 0; round < 3; round++) {
                for (String q : queries) {
                    m.complete(q, o);
                }
                assertEquals(queries.size(), m.completeAll(queries, o).size());
            }
        }
    }

    @Test
    void sixteenThreadsOfTwentyFiveRequestsAllCompleteWithTheSequentialAnswers() throws Exception {
        GenerateOptions o = GenerateOptions.builder().temperature(0).optimizedIcl(false)
                .userSpecifiedSystemPrompt("Be helpful and brief.").stop(List.of()).maxNewTokens(16).build();
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < DISTINCT; i++) {
            // the model answers with the query's most frequent digit: i % 10 here
            String name = "" + (char) ('a' + i % 26) + (char) ('a' + i / 26);
            queries.add("Question " + name + ": what do you know about " + String.valueOf(i % 10).repeat(3) + "?");
        }
        try (AutoModel m = AutoModel.builder().model(TestModels.majorityDigitChat()).threads(2).parallelSlots(4)
                .maxModelLen(512).embeddingCacheDir(cache).build()) {
            List<String> sequential = new ArrayList<>();
            for (String q : queries) {
                sequential.add(m.generate(q, o));
            }
            long distinct = sequential.stream().distinct().count();
            assertEquals(10, distinct, "answers depend on the query: " + sequential);

            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            long t0 = System.nanoTime();
            List<Future<List<Generation>>> threads = new ArrayList<>();
            try {
                for (int t = 0; t < THREADS; t++) {
                    int first = t * PER_THREAD;
                    threads.add(pool.submit(() -> {
                        List<Generation> mine = new ArrayList<>();
                        for (int j = 0; j < PER_THREAD; j++) {
                            mine.add(m.complete(queries.get((first + j) % DISTINCT), o));
                        }
                        return mine;
                    }));
                }
                int completed = 0;
                int different = 0;
                long prompt = 0;
                long evaluated = 0;
                for (int t = 0; t < THREADS; t++) {
                    List<Generation> mine = threads.get(t).get(900, TimeUnit.SECONDS);
                    for (int j = 0; j < mine.size(); j++) {
                        Generation g = mine.get(j);
                        completed++;
                        if (!g.text().equals(sequential.get((t * PER_THREAD + j) % DISTINCT))) {
                            different++;
                        }
                        prompt += g.usage().promptTokens();
                        assertTrue(g.usage().evaluatedPromptTokens() >= 1
                                && g.usage().evaluatedPromptTokens() <= g.usage().promptTokens(), g.usage().toString());
                        evaluated += g.usage().evaluatedPromptTokens();
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "[load] %d threads x %d requests on 4 slots: %d completed in %.1f s"
                                + " (%.1f requests/s), %d answers differ from the sequential run (%d distinct answers to"
                                + " %d queries), prompt tokens evaluated %d of %d (%.0f%%)%n", THREADS, PER_THREAD,
                        completed, s, completed / s, different, distinct, DISTINCT, evaluated, prompt,
                        100.0 * evaluated / prompt);
                assertEquals(THREADS * PER_THREAD, completed);
                assertEquals(0, different);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
