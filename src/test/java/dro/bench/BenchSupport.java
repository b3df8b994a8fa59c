package dro.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import dro.internal.Parallel;
import dro.testing.TinyGguf;
import dro.train.run.TrainingQueries;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

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

    /**
     * The random llama models of the slot benchmarks, by name: {@code Q4_K_M} and {@code F16} are the same shape
     * (embd 768, 12 layers, 12 heads, ff 1536: 71.2M parameters), {@code F16-114M} is {@link #hundredMillionModel}.
     */
    static Path slotModel(Path dir, String format, int contextLength) throws IOException {
        long t0 = System.nanoTime();
        int ff = 1536;
        Path p;
        switch (format) {
            case "Q4_K_M" -> p = TinyGguf.randomQ4KM(dir.resolve("random-71m-q4_k_m.gguf"), 1, 768, 12, 12, ff,
                    contextLength, TinyGguf.CHAT_TEMPLATE);
            case "F16" -> p = TinyGguf.randomF16(dir.resolve("random-71m-f16.gguf"), 1, 768, 12, 12, ff,
                    contextLength, TinyGguf.CHAT_TEMPLATE);
            case "F16-114M" -> {
                return hundredMillionModel(dir, contextLength);
            }
            default -> throw new IllegalArgumentException("model format \"" + format
                    + "\" is not one of Q4_K_M, F16, F16-114M");
        }
        System.out.printf(Locale.ROOT, "model: random llama, embd 768, 12 layers, ff %d, %s, %.1fM parameters,"
                + " %.1f MiB, written in %.1f s%n", ff, format, TinyGguf.parameterCount(768, 12, ff) / 1e6,
                Files.size(p) / 1048576.0, seconds(t0));
        return p;
    }

    /** The short queries of the slot benchmarks (no ICL, answered under a one-line system prompt). */
    static List<String> shortQueries(int n) {
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            queries.add("Question " + i + ": tell me something about the number " + (i * 37 % 101) + ".");
        }
        return queries;
    }

    /** Greedy, no ICL, a one-line system prompt, no stop strings, {@code newTokens} new tokens. */
    static dro.GenerateOptions slotOptions(int newTokens) {
        return dro.GenerateOptions.builder().temperature(0).optimizedIcl(false)
                .userSpecifiedSystemPrompt("You are a helpful assistant.").stop(List.of()).maxNewTokens(newTokens)
                .build();
    }

    /** Comma-separated values of an argument. */
    static List<String> list(String arg) {
        List<String> out = new ArrayList<>();
        for (String s : arg.split(",")) {
            if (!s.isBlank()) {
                out.add(s.strip());
            }
        }
        return out;
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

    /** The heap in use after garbage collection: the least of three collections 100 ms apart. */
    static long heapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** This process's resident memory in bytes ({@code VmRSS} of {@code /proc/self/status}), or -1 where unknown. */
    static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
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

    /**
     * The binding alone: loads a model as dro4j does, on a thread that ends with the load (see {@code SharedModels},
     * "The loading thread": loaded on a thread that lives on, an OpenMP build for an AMX CPU decodes several times
     * slower).
     */
    static LlamaModel loadBare(ModelParameters parameters) {
        return Parallel.onThreadOfItsOwn("bench-load", () -> new LlamaModel(parameters));
    }

    /**
     * With several models, runs {@code main} once per model, each in a JVM of its own, and returns true; with one,
     * returns false and the caller measures in this JVM. A model loaded earlier in a JVM stays loaded (java-llama.cpp
     * cannot free one), and with an OpenMP library its threads slowed every model loaded after it down until dro4j
     * ended idle models' task loops (docs/BENCHMARKS.md, "Where the time goes", cause 6); a JVM per model keeps each
     * measurement free of the others whatever the library. Each child is {@link #childJvm} with {@code argsFor(model)}; its output is passed through.
     */
    static boolean ranPerModel(Class<?> main, List<String> models, Function<String, List<String>> argsFor)
            throws IOException, InterruptedException {
        if (models.size() < 2) {
            return false;
        }
        System.out.println("Each model in a JVM of its own: " + models);
        for (String model : models) {
            int rc = new ProcessBuilder(childJvm(main, argsFor.apply(model))).inheritIO().start().waitFor();
            if (rc != 0) {
                throw new IllegalStateException(main.getSimpleName() + " for " + model + " exited with " + rc);
            }
        }
        return true;
    }

    /**
     * The command that runs {@code main} with {@code args} in a JVM of its own: this JVM's java, class path (the class
     * loader's, under {@code exec:java}) and {@code de.kherud.*} and {@code dro4j.*} system properties.
     */
    static List<String> childJvm(Class<?> main, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("de.kherud.") || k.startsWith("dro4j."))
                .sorted().forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.add("-cp");
        cmd.add(classPath(main));
        cmd.add(main.getName());
        cmd.addAll(args);
        return cmd;
    }

    private static String classPath(Class<?> main) {
        List<String> entries = new ArrayList<>();
        if (main.getClassLoader() instanceof URLClassLoader loader) { // exec:java's class loader
            for (URL url : loader.getURLs()) {
                try {
                    entries.add(Path.of(url.toURI()).toString());
                } catch (URISyntaxException e) {
                    throw new IllegalStateException("class path entry " + url + ": " + e.getMessage(), e);
                }
            }
        }
        return entries.isEmpty() ? System.getProperty("java.class.path")
                : String.join(java.io.File.pathSeparator, entries);
    }
}
