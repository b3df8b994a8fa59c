package dro.bench;

import dro.testing.TestModels;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Time to first token of {@code bin/dro generate --stream} from a cold JVM on a tiny model, and where it goes. Each
 * step is a separate {@code bin/dro} process timed to its first byte on standard output; the steps add one stage
 * each, so their differences are the stages' costs:
 *
 * <ol>
 *   <li>{@code bin/dro --version}: the JVM and the command line;</li>
 *   <li>{@code generate --no-icl --dry-run}: + the native library and the model (llama.cpp loads it);</li>
 *   <li>{@code generate --dry-run}: + the embedding model, the query's embedding and retrieval (k=3);</li>
 *   <li>{@code generate --stream}: + prefill of the whole prompt and the first token.</li>
 * </ol>
 *
 * <pre>./mvnw -q -B -DskipTests package exec:java -Dexec.classpathScope=test -Dexec.mainClass=dro.bench.ColdStartBenchmark</pre>
 *
 * ({@code package} first: {@code bin/dro} runs the packaged jar.) The steps are interleaved, 5 rounds by default, and
 * the medians reported. Caches are warm (one untimed run first: the extracted native library and the ICL embeddings
 * on disk), as for every run after a user's first. Optional argument: rounds.
 */
public final class ColdStartBenchmark {

    private ColdStartBenchmark() { }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path dir = Files.createTempDirectory("dro4j-bench");
        try {
            Path cache = Files.createDirectories(dir.resolve("cache"));
            Path config = Files.createDirectories(dir.resolve("config"));
            String model = TestModels.scriptedChat().toString();
            String q = "How do I get rid of fruit flies in my kitchen?";
            Map<String, List<String>> steps = new LinkedHashMap<>();
            steps.put("JVM + command line (--version)", List.of("--version"));
            steps.put("+ native library + model load", List.of("generate", "--model", model, "--max-model-len", "12288",
                    "--no-icl", "--dry-run", q));
            steps.put("+ embedding model + retrieval", List.of("generate", "--model", model, "--max-model-len",
                    "12288", "--dry-run", q));
            steps.put("+ prefill + first token (--stream)", List.of("generate", "--model", model, "--max-model-len",
                    "12288", "--stream", "--temperature", "0", q));
            System.out.printf(Locale.ROOT, "Cold start of bin/dro on a tiny model (%s, 1.7 MiB), %d rounds; %s%n",
                    Path.of(model).getFileName(), rounds, BenchSupport.machine());
            double first = firstByte(steps.get("+ prefill + first token (--stream)"), cache, config);
            System.out.printf(Locale.ROOT, "first run ever (empty caches): %.2f s to the first token%n", first);
            Map<String, List<Double>> times = new LinkedHashMap<>();
            steps.keySet().forEach(k -> times.put(k, new ArrayList<>()));
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, List<String>> s : steps.entrySet()) {
                    times.get(s.getKey()).add(firstByte(s.getValue(), cache, config));
                }
            }
            double previous = 0;
            for (Map.Entry<String, List<Double>> t : times.entrySet()) {
                double m = BenchSupport.median(t.getValue());
                System.out.printf(Locale.ROOT, "%-38s first output after %5.2f s (median)  stage %+5.2f s%n",
                        t.getKey(), m, m - previous);
                previous = m;
            }
        } finally {
            TestModels.deleteTree(dir);
        }
    }

    /** Seconds from starting {@code bin/dro args} to its first byte on standard output. */
    private static double firstByte(List<String> args, Path cache, Path config) throws IOException,
            InterruptedException {
        List<String> command = new ArrayList<>(List.of("sh", "bin/dro"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(new File(System.getProperty("user.dir")));
        pb.environment().put("DRO_JAVA_OPTS", "-Ddro4j.cache.dir=" + cache + " -Ddro4j.config.dir=" + config);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        long t0 = System.nanoTime();
        Process p = pb.start();
        double seconds;
        try (InputStream out = p.getInputStream()) {
            if (out.read() < 0) {
                throw new IllegalStateException("bin/dro " + args + " printed nothing (exit " + p.waitFor() + ")");
            }
            seconds = BenchSupport.seconds(t0);
            out.transferTo(java.io.OutputStream.nullOutputStream());
        }
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("bin/dro " + args + " did not end");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("bin/dro " + args + " failed with exit code " + p.exitValue());
        }
        return seconds;
    }
}
