package dro.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.testing.TinyGguf;
import dro.train.run.TrainingQueries;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What the benchmark programs share: workloads, the machine's description, a clock. */
final class BenchSupport {

    private BenchSupport() { }

    /**
     * 100 varied queries: the 56 of the bundled evaluation set (general, harmful, advice, creative, ...) followed by 44
     * drawn from the bundled training pools (seed 42).
     */
    static List<String> hundredQueries() {
        List<String> out = new ArrayList<>();
        try (InputStream in = BenchSupport.class.getResourceAsStream("/dro4j/data/eval/eval_queries.json")) {
            for (JsonNode q : new ObjectMapper().readTree(in)) {
                out.add(q.get("query").asText());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String q : TrainingQueries.sample(TrainingQueries.bundled(), 100 - out.size(), 42)) {
            out.add(q);
        }
        return out;
    }

    /** The ~100M-parameter random model of the speed benchmarks: llama architecture, F16, 113.7M parameters. */
    static Path hundredMillionModel(Path dir, int contextLength) throws IOException {
        long t0 = System.nanoTime();
        Path p = TinyGguf.randomF16(dir.resolve("random-113m-f16.gguf"), 1, 768, 12, 12, 3072, contextLength,
                TinyGguf.CHAT_TEMPLATE);
        System.out.printf(Locale.ROOT, "model: random llama, embd 768, 12 layers, ff 3072, F16, %.1fM parameters,"
                + " %d MiB, written in %.1f s%n", TinyGguf.parameterCount(768, 12, 3072) / 1e6, Files.size(p) >> 20,
                seconds(t0));
        return p;
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return String.format(Locale.ROOT, "%d cores (%s), Java %s, load average %.2f",
                Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("java.version"), load);
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
