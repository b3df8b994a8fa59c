package dro.bench;

import dro.AutoModel;
import dro.FinishReason;
import dro.GenerateOptions;
import dro.Generation;
import dro.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Parallel slots: generated tokens per second on 4 parallel slots, {@code completeAll} over the queries and
 * {@code complete} (what {@code generate} calls) from one thread per query at once, against {@code complete} called
 * for one query after another, side by side in one run, on random llama models the benchmark writes: Q4_K_M (the
 * format of README's models) and F16 of the same shape (embd 768, 12 layers, ff 1536: 71.2M parameters).
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dro.bench.ParallelSlotsBenchmark</pre>
 *
 * The workload is generation-bound: 8 short queries (no ICL, a one-line system prompt), 64 and then 256 new tokens
 * each, greedy, no stop strings. The three modes run on the same loaded model (4 slots, 2 threads), one after another
 * in each round; the figures are medians over the rounds. Each model is measured in a JVM of its own
 * ({@link BenchSupport#ranPerModel}). Answers are compared with the sequential ones of the same
 * round: at temperature 0 they can still differ, because llama.cpp's results depend slightly on how sequences are
 * batched (and a reused prompt prefix was computed in another batch), which flips near-tied tokens of a random model.
 * Optional arguments, in order: rounds (default 3), new tokens (comma-separated, default {@code 64,256}), queries
 * (default 8), slots (default 4), models (comma-separated, default {@code Q4_K_M,F16}; {@code F16-114M} is the
 * 113.7M-parameter F16 model of the earlier figures), e.g. {@code -Dexec.args="1 16 8 4 Q4_K_M"} for a quick check.
 */
public final class ParallelSlotsBenchmark {

    private ParallelSlotsBenchmark() { }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        List<Integer> lengths = BenchSupport.list(args.length > 1 ? args[1] : "64,256").stream()
                .map(Integer::parseInt).toList();
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int slots = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        List<String> formats = BenchSupport.list(args.length > 4 ? args[4] : "Q4_K_M,F16");
        if (BenchSupport.ranPerModel(ParallelSlotsBenchmark.class, formats, f -> List.of(String.valueOf(rounds),
                args.length > 1 ? args[1] : "64,256", String.valueOf(n), String.valueOf(slots), f))) {
            return;
        }
        int longest = lengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        int maxModelLen = Math.max(512, longest + 256);
        List<String> queries = BenchSupport.shortQueries(n);
        System.out.printf(Locale.ROOT, "Parallel slots: %d queries, %s new tokens, %d slots, 2 threads, %d round(s);"
                + " %s%n", n, lengths, slots, rounds, BenchSupport.machine());
        List<String> table = new ArrayList<>();
        Path dir = Files.createTempDirectory("dro4j-bench");
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            for (String format : formats) {
                Path gguf = BenchSupport.slotModel(dir, format, Math.max(1024, maxModelLen));
                try (AutoModel m = AutoModel.builder().model(gguf).threads(2).parallelSlots(slots)
                        .maxModelLen(maxModelLen).build()) {
                    m.generate("Warm up.", BenchSupport.slotOptions(8));
                    for (int newTokens : lengths) {
                        table.add(measure(m, pool, format, queries, newTokens, rounds));
                    }
                }
                Files.delete(gguf);
            }
        } finally {
            pool.shutdownNow();
            TestModels.deleteTree(dir);
        }
        System.out.println();
        System.out.println("| model | new tokens | sequential `complete` | `completeAll` | concurrent `complete` |"
                + " answers differing (of all rounds) |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        table.forEach(System.out::println);
    }

    /** Rounds of the three modes; prints each round and returns the table row of the medians. */
    private static String measure(AutoModel m, ExecutorService pool, String format, List<String> queries,
                                  int newTokens, int rounds) throws Exception {
        GenerateOptions o = BenchSupport.slotOptions(newTokens);
        List<Double> seqRates = new ArrayList<>(), allRates = new ArrayList<>(), concRates = new ArrayList<>();
        List<Double> allRatios = new ArrayList<>(), concRatios = new ArrayList<>();
        int allDiffer = 0, concDiffer = 0;
        for (int round = 1; round <= rounds; round++) {
            long t0 = System.nanoTime();
            List<Generation> seq = new ArrayList<>();
            for (String q : queries) {
                seq.add(m.complete(q, o));
            }
            double seqRate = tokens(seq, newTokens) / BenchSupport.seconds(t0);
            t0 = System.nanoTime();
            List<Generation> all = m.completeAll(queries, o);
            double allRate = tokens(all, newTokens) / BenchSupport.seconds(t0);
            t0 = System.nanoTime();
            List<Future<Generation>> futures = new ArrayList<>();
            for (String q : queries) {
                futures.add(pool.submit(() -> m.complete(q, o)));
            }
            List<Generation> conc = new ArrayList<>();
            for (Future<Generation> f : futures) {
                conc.add(f.get());
            }
            double concRate = tokens(conc, newTokens) / BenchSupport.seconds(t0);
            int ad = differing(seq, all), cd = differing(seq, conc);
            allDiffer += ad;
            concDiffer += cd;
            seqRates.add(seqRate);
            allRates.add(allRate);
            concRates.add(concRate);
            allRatios.add(allRate / seqRate);
            concRatios.add(concRate / seqRate);
            System.out.printf(Locale.ROOT, "%s, %d new tokens, round %d: sequential %6.1f tokens/s | completeAll %6.1f"
                            + " tokens/s (%.2fx, %d differ) | concurrent %6.1f tokens/s (%.2fx, %d differ)%n", format,
                    newTokens, round, seqRate, allRate, allRate / seqRate, ad, concRate, concRate / seqRate, cd);
        }
        int answers = rounds * queries.size();
        return String.format(Locale.ROOT, "| %s | %d | %.1f tokens/s | %.1f tokens/s, **%.2f×** | %.1f tokens/s,"
                        + " **%.2f×** | %d and %d of %d |", format, newTokens, BenchSupport.median(seqRates),
                BenchSupport.median(allRates), BenchSupport.median(allRatios), BenchSupport.median(concRates),
                BenchSupport.median(concRatios), allDiffer, concDiffer, answers);
    }

    /** Tokens generated: {@code max} for answers cut by the limit (exact); an estimate for answers ended by EOS. */
    static long tokens(List<Generation> gs, int max) {
        long t = 0;
        for (Generation g : gs) {
            t += g.finishReason() == FinishReason.LENGTH ? max : Math.min(max, g.usage().completionTokens());
        }
        return t;
    }

    private static int differing(List<Generation> a, List<Generation> b) {
        int differ = 0;
        for (int i = 0; i < a.size(); i++) {
            differ += a.get(i).text().equals(b.get(i).text()) ? 0 : 1;
        }
        return differ;
    }
}
