package dro.bench;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.testing.TestModels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A model loaded after another in one JVM: one sequence's decoding speed of a model alone in its JVM, against the same
 * model loaded after another one (opened, used once and closed, so left loaded and idle, as java-llama.cpp cannot free
 * a model; with an OpenMP library dro4j ends its task loop when the second is loaded), each in a JVM of its own, side
 * by side in one run.
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dro.bench.SecondModelBenchmark</pre>
 *
 * Both JVMs measure the same: one slot, 2 threads, {@code complete} for 4 short queries one after another, greedy, no
 * stop strings, 128 new tokens each, in each of 3 rounds; they print tokens/s and the process's thread context switches
 * per generated token (summed over {@code /proc/self/task/}{@code *}{@code /status}, Linux only), and the benchmark
 * prints the medians' ratio. Optional arguments, in order: rounds (3), new tokens (128), the model measured
 * ({@code F16}), the model loaded first ({@code Q4_K_M}); models as in {@link ParallelSlotsBenchmark}. A library of
 * {@code dro native build} is measured with {@code -Dde.kherud.llama.lib.path=DIR}.
 */
public final class SecondModelBenchmark {

    private static final String RESULT = "median: ";

    private SecondModelBenchmark() { }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(Integer.parseInt(args[1]), Integer.parseInt(args[2]), args[3], args.length > 4 ? args[4] : null);
            return;
        }
        String rounds = args.length > 0 ? args[0] : "3";
        String tokens = args.length > 1 ? args[1] : "128";
        String model = args.length > 2 ? args[2] : "F16";
        String first = args.length > 3 ? args[3] : "Q4_K_M";
        System.out.printf(Locale.ROOT, "Second model: %s, %s rounds, %s new tokens, alone and after %s; %s%n", model,
                rounds, tokens, first, BenchSupport.machine());
        double alone = run(List.of("--child", rounds, tokens, model));
        double after = run(List.of("--child", rounds, tokens, model, first));
        System.out.printf(Locale.ROOT, "%s after %s: %.2fx the tokens/s of %s alone%n", model, first, after / alone,
                model);
    }

    private static double run(List<String> args) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(BenchSupport.childJvm(SecondModelBenchmark.class, args))
                .redirectErrorStream(true).start();
        double result = Double.NaN;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("[")) {
                    continue; // log lines
                }
                System.out.println(line);
                if (line.contains(RESULT)) {
                    String v = line.substring(line.indexOf(RESULT) + RESULT.length()).trim();
                    result = Double.parseDouble(v.substring(0, v.indexOf(' ')));
                }
            }
        }
        if (p.waitFor() != 0 || Double.isNaN(result)) {
            throw new IllegalStateException("the child JVM " + args + " failed (exit " + p.exitValue() + ")");
        }
        return result;
    }

    private static void child(int rounds, int newTokens, String model, String first) throws Exception {
        Path dir = Files.createTempDirectory("dro4j-second");
        try {
            if (first != null) {
                Path f = BenchSupport.slotModel(dir, first, 1024);
                try (AutoModel m = AutoModel.builder().model(f).threads(2).maxModelLen(512).build()) {
                    m.generate("Warm up.", BenchSupport.slotOptions(8));
                }
            }
            Path gguf = BenchSupport.slotModel(dir, model, 1024);
            GenerateOptions o = BenchSupport.slotOptions(newTokens);
            List<String> queries = BenchSupport.shortQueries(4);
            List<Double> speeds = new ArrayList<>();
            try (AutoModel m = AutoModel.builder().model(gguf).threads(2).maxModelLen(512).build()) {
                m.generate("Warm up.", BenchSupport.slotOptions(8));
                for (int round = 1; round <= rounds; round++) {
                    long switches = contextSwitches();
                    long t0 = System.nanoTime();
                    long generated = 0;
                    for (String q : queries) {
                        generated += m.complete(q, o).usage().completionTokens();
                    }
                    double speed = generated / BenchSupport.seconds(t0);
                    speeds.add(speed);
                    System.out.printf(Locale.ROOT, "%s%s, round %d: %.1f tokens/s, %.0f context switches per"
                            + " token%n", model, first == null ? " alone" : " after " + first, round, speed,
                            (contextSwitches() - switches) / (double) generated);
                }
            }
            System.out.printf(Locale.ROOT, "%s%s, %s%.1f tokens/s%n", model, first == null ? " alone" : " after "
                    + first, RESULT, BenchSupport.median(speeds));
        } finally {
            TestModels.deleteTree(dir);
        }
    }

    /** Voluntary and involuntary context switches of every thread of this process; 0 where /proc is missing. */
    private static long contextSwitches() throws IOException {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return 0;
        }
        long sum = 0;
        try (Stream<Path> s = Files.list(tasks)) {
            for (Path t : s.toList()) {
                try {
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.contains("ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return sum;
    }
}
