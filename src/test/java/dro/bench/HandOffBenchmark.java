package dro.bench;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToIntFunction;

/**
 * The binding alone, without dro4j in the way: where the time of concurrent local generation goes (see
 * docs/BENCHMARKS.md, "Where the time goes"). On one model file, with java-llama.cpp's {@code LlamaModel} directly, side
 * by side in one run:
 * <ul>
 *   <li>streamed ({@code generate}, one result per token) against not streamed ({@code complete}, one result per
 *   answer) generation of 8 prompts, one after another and from 8 threads on 4 slots, with flash attention off and
 *   on;</li>
 *   <li>prompt processing of a ~1,500-token prompt on one slot, with flash attention off and on.</li>
 * </ul>
 * The prompts are those dro4j sends for 8 short queries (one-line system prompt, no ICL), greedy, no stop strings, 2
 * threads. Medians of the rounds.
 *
 * <pre>
 * ./mvnw -q -B package -DskipTests &amp;&amp; ./mvnw -q -B test-compile
 * java -cp "target/test-classes:target/classes:target/lib/*" dro.bench.HandOffBenchmark [MODEL.gguf] [rounds] [new tokens]
 * </pre>
 * Without a model file it writes the 71.2M-parameter random llama in Q4_K_M that the other benchmarks use.
 */
public final class HandOffBenchmark {

    private static final int SLOTS = 4;
    private static final int QUERIES = 8;

    private HandOffBenchmark() { }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int newTokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        Path dir = Files.createTempDirectory("dro4j-bench");
        try {
            Path gguf = args.length > 0 ? Path.of(args[0]) : TinyGguf.randomQ4KM(dir.resolve("random-71m-q4_k_m.gguf"),
                    1, 768, 12, 12, 1536, 2048, TinyGguf.CHAT_TEMPLATE);
            System.out.printf(Locale.ROOT, "Hand-off: %s, %d prompts x %d new tokens, %d slots, 2 threads; %s%n",
                    gguf.getFileName(), QUERIES, newTokens, SLOTS, BenchSupport.machine());
            GenerateOptions o = GenerateOptions.builder().temperature(0).optimizedIcl(false)
                    .userSpecifiedSystemPrompt("You are a helpful assistant.").stop(List.of()).maxNewTokens(newTokens)
                    .build();
            List<String> prompts = new ArrayList<>();
            try (AutoModel m = AutoModel.builder().model(gguf).threads(2).maxModelLen(512).build()) {
                for (int i = 0; i < QUERIES; i++) {
                    prompts.add(m.assemble("Question " + i + ": tell me something about the number " + (i * 37 % 101)
                            + ".", o).prompt());
                }
            } // also loads the library the way dro4j does (its threads do not keep the JVM alive)
            for (boolean fa : new boolean[] {false, true}) {
                generation(gguf, prompts, newTokens, rounds, fa);
            }
            for (boolean fa : new boolean[] {false, true}) {
                prefill(gguf, rounds, fa);
            }
        } finally {
            TestModels.deleteTree(dir);
        }
    }

    private static ModelParameters parameters(Path gguf, int slots, int ctx, boolean fa) {
        ModelParameters p = new ModelParameters().setModel(gguf.toString()).setCtxSize(ctx).setParallel(slots)
                .setThreads(2).setThreadsBatch(2).disableContextShift().skipWarmup().disableLog();
        return fa ? p.enableFlashAttn() : p;
    }

    private static void generation(Path gguf, List<String> prompts, int newTokens, int rounds, boolean fa)
            throws Exception {
        LlamaModel m = BenchSupport.loadBare(parameters(gguf, SLOTS, 2560, fa));
        ExecutorService pool = Executors.newFixedThreadPool(QUERIES);
        try {
            ToIntFunction<String> streamed = p -> {
                int n = 0;
                for (LlamaOutput ignored : m.generate(request(p, newTokens))) {
                    n++;
                }
                return n;
            };
            ToIntFunction<String> whole = p -> {
                m.complete(request(p, newTokens));
                return newTokens;
            };
            streamed.applyAsInt("Warm up.");
            List<Double> seqS = new ArrayList<>();
            List<Double> parS = new ArrayList<>();
            List<Double> seqW = new ArrayList<>();
            List<Double> parW = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                seqS.add(sequential(prompts, streamed, newTokens));
                parS.add(concurrent(pool, prompts, streamed, newTokens));
                seqW.add(sequential(prompts, whole, newTokens));
                parW.add(concurrent(pool, prompts, whole, newTokens));
            }
            double a = BenchSupport.median(seqS);
            double b = BenchSupport.median(parS);
            double c = BenchSupport.median(seqW);
            double d = BenchSupport.median(parW);
            System.out.printf(Locale.ROOT, "flash attention %-3s | streamed: one after another %6.1f tokens/s, 8 threads"
                    + " %6.1f (%.2fx) | not streamed: %6.1f, %6.1f (%.2fx) | 8 threads, not streamed / streamed"
                    + " %.2fx%n", fa ? "on" : "off", a, b, b / a, c, d, d / c, d / b);
        } finally {
            pool.shutdownNow();
            m.close();
        }
    }

    private static InferenceParameters request(String prompt, int newTokens) {
        return new InferenceParameters(prompt).setTemperature(0).setNPredict(newTokens).setCachePrompt(true);
    }

    private static double sequential(List<String> prompts, ToIntFunction<String> gen, int newTokens) {
        long t0 = System.nanoTime();
        for (String p : prompts) {
            gen.applyAsInt(p);
        }
        return prompts.size() * newTokens / BenchSupport.seconds(t0);
    }

    private static double concurrent(ExecutorService pool, List<String> prompts, ToIntFunction<String> gen,
                                     int newTokens) throws Exception {
        long t0 = System.nanoTime();
        List<Future<Integer>> fs = new ArrayList<>();
        for (String p : prompts) {
            fs.add(pool.submit(() -> gen.applyAsInt(p)));
        }
        for (Future<Integer> f : fs) {
            f.get();
        }
        return prompts.size() * newTokens / BenchSupport.seconds(t0);
    }

    /** Prompt tokens per second of a new ~1,500-token prompt each round (nothing reused), one slot. */
    private static void prefill(Path gguf, int rounds, boolean fa) {
        LlamaModel m = BenchSupport.loadBare(parameters(gguf, 1, 2048, fa));
        try {
            m.complete(new InferenceParameters("Warm up.").setNPredict(1));
            List<Double> tps = new ArrayList<>();
            for (int r = 0; r < Math.max(rounds, 3); r++) {
                String p = letters(new Random(r), 1500);
                int n = m.encode(p).length;
                long t0 = System.nanoTime();
                m.complete(new InferenceParameters(p).setNPredict(1).setTemperature(0).setCachePrompt(false));
                tps.add(n / BenchSupport.seconds(t0));
            }
            System.out.printf(Locale.ROOT, "flash attention %-3s | prompt processing, ~1500 tokens: %6.1f tokens/s%n",
                    fa ? "on" : "off", BenchSupport.median(tps));
        } finally {
            m.close();
        }
    }

    private static String letters(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < n) {
            sb.append((char) ('a' + rnd.nextInt(26)));
            if (rnd.nextInt(5) == 0) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }
}
