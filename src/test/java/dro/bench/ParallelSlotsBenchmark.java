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

/**
 * Parallel slots: generated tokens per second of {@code generateAll} on 4 parallel slots against {@code generate}
 * called for one query after another, on one model of about 100M parameters that the benchmark writes (random
 * weights, F16), side by side in one run.
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dro.bench.ParallelSlotsBenchmark</pre>
 *
 * The workload is generation-bound: 8 short queries (no ICL, a one-line system prompt), 64 new tokens each, greedy,
 * no stop strings. Both modes run on the same loaded model (4 slots, 2 threads). Answers are compared: at
 * temperature 0 they can still differ, because llama.cpp's results depend slightly on how sequences are batched (and
 * a reused prompt prefix was computed in another batch), which flips near-tied tokens of a random model.
 * Optional arguments: repetitions (default 3), new tokens (default 64), queries (default 8), slots (default 4).
 */
public final class ParallelSlotsBenchmark {

    private ParallelSlotsBenchmark() { }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int newTokens = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int slots = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        Path dir = Files.createTempDirectory("dro4j-bench");
        try {
            Path gguf = BenchSupport.hundredMillionModel(dir, 1024);
            System.out.printf(Locale.ROOT, "Parallel slots: %d queries x %d new tokens, %d slots; %s%n", n, newTokens,
                    slots, BenchSupport.machine());
            GenerateOptions o = GenerateOptions.builder().temperature(0).optimizedIcl(false)
                    .userSpecifiedSystemPrompt("You are a helpful assistant.").stop(List.of()).maxNewTokens(newTokens)
                    .build();
            List<String> queries = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                queries.add("Question " + i + ": tell me something about the number " + (i * 37 % 101) + ".");
            }
            try (AutoModel m = AutoModel.builder().model(gguf).threads(2).parallelSlots(slots).maxModelLen(256)
                    .build()) {
                m.generate("Warm up.", o);
                List<Double> ratios = new ArrayList<>();
                for (int rep = 1; rep <= reps; rep++) {
                    long t0 = System.nanoTime();
                    List<Generation> seq = new ArrayList<>();
                    for (String q : queries) {
                        seq.add(m.complete(q, o));
                    }
                    double seqS = BenchSupport.seconds(t0);
                    t0 = System.nanoTime();
                    List<Generation> par = m.completeAll(queries, o);
                    double parS = BenchSupport.seconds(t0);
                    long tokens = tokens(seq, newTokens);
                    double ratio = (tokens(par, newTokens) / parS) / (tokens / seqS);
                    ratios.add(ratio);
                    System.out.printf(Locale.ROOT, "run %d: sequential generate %6.2f s, %5.1f tokens/s | generateAll"
                                    + " %6.2f s, %5.1f tokens/s | speed-up %.2fx | same answers: %d of %d%n", rep,
                            seqS, tokens / seqS, parS, tokens(par, newTokens) / parS, ratio, same(seq, par), n);
                }
                System.out.printf(Locale.ROOT, "median speed-up %.2fx%n", BenchSupport.median(ratios));
            }
        } finally {
            TestModels.deleteTree(dir);
        }
    }

    /** Tokens generated: {@code max} for answers cut by the limit (exact); an estimate for answers ended by EOS. */
    static long tokens(List<Generation> gs, int max) {
        long t = 0;
        for (Generation g : gs) {
            t += g.finishReason() == FinishReason.LENGTH ? max : Math.min(max, g.usage().completionTokens());
        }
        return t;
    }

    private static long same(List<Generation> a, List<Generation> b) {
        int same = 0;
        for (int i = 0; i < a.size(); i++) {
            same += a.get(i).text().equals(b.get(i).text()) ? 1 : 0;
        }
        return same;
    }
}
