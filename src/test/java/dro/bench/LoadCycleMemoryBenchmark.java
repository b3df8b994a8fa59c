package dro.bench;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.icl.Embedder;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What a load–generate–close cycle of a local model leaves behind: the process's resident memory, the live Java
 * heap and the JVM's thread count after every 5 cycles, and the mean growth per cycle.
 *
 * <pre>./mvnw -q -B -DskipTests package
 * java -cp "target/test-classes:target/classes:target/lib/*" dro.bench.LoadCycleMemoryBenchmark 20</pre>
 *
 * (a JVM of its own, so that Maven's memory is not counted). The model is a random llama of 13.9M parameters (F16,
 * embd 512, 4 layers, ff 1536, 26.5 MiB) loaded with a 4096-token context (second argument); each cycle builds an
 * {@code AutoModel}, generates 16 tokens and closes it. The query embedder is a cheap stand-in, so that only the
 * model is measured.
 * Optional arguments: cycles (default 20), context tokens (default 4096).
 */
public final class LoadCycleMemoryBenchmark {

    private LoadCycleMemoryBenchmark() { }

    public static void main(String[] args) throws Exception {
        int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int context = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        Path dir = Files.createTempDirectory("dro4j-bench");
        try {
            Path model = TinyGguf.randomF16(dir.resolve("random-f16.gguf"), 1, 512, 4, 8, 1536, 4096,
                    TinyGguf.CHAT_TEMPLATE);
            System.out.printf(Locale.ROOT, "%d load-generate-close cycles of %s (%.1f MiB, context %d); %s%n",
                    cycles, model.getFileName(), Files.size(model) / 1048576.0, context, BenchSupport.machine());
            GenerateOptions o = GenerateOptions.builder().temperature(0).userSpecifiedSystemPrompt("Be brief.")
                    .numOptimizedIcl(1).maxNewTokens(16).stop(java.util.List.of()).build();
            cycle(model, context, o, dir); // warm-up: the native library, classes, first allocations
            long rss0 = rss();
            long heap0 = liveHeap();
            int threads0 = threads();
            System.out.printf(Locale.ROOT, "after 1 warm-up cycle: resident %.1f MiB, live heap %.1f MiB, %d threads%n",
                    mib(rss0), mib(heap0), threads0);
            long t0 = System.nanoTime();
            for (int i = 1; i <= cycles; i++) {
                cycle(model, context, o, dir);
                if (i % 5 == 0 || i == cycles) {
                    long rss = rss();
                    long heap = liveHeap();
                    System.out.printf(Locale.ROOT, "after %3d cycles: resident %7.1f MiB (%+7.1f), live heap %5.1f MiB"
                                    + " (%+5.1f), %d threads (%+d)%n", i, mib(rss), mib(rss - rss0), mib(heap),
                            mib(heap - heap0), threads(), threads() - threads0);
                }
            }
            long rss = rss();
            long heap = liveHeap();
            System.out.printf(Locale.ROOT, "per cycle: resident %+.2f MiB, live heap %+.3f MiB, %+.2f threads;"
                            + " %.2f s per cycle%n", mib(rss - rss0) / cycles, mib(heap - heap0) / cycles,
                    (threads() - threads0) / (double) cycles, BenchSupport.seconds(t0) / cycles);
        } finally {
            TestModels.deleteTree(dir);
        }
    }

    private static void cycle(Path model, int context, GenerateOptions o, Path dir) {
        try (AutoModel m = AutoModel.builder().model(model).maxModelLen(context).threads(2).embedder(CHEAP)
                .embeddingCacheDir(dir.resolve("emb")).build()) {
            m.generate("How do I keep basil alive on a windowsill?", o);
        }
    }

    private static final Embedder CHEAP = new Embedder() {
        @Override
        public String id() {
            return "bench-cheap";
        }

        @Override
        public float[] embed(String text) {
            float[] v = new float[8];
            for (int i = 0; i < text.length(); i++) {
                v[(text.charAt(i) * 31 + i) & 7] += 1;
            }
            return v;
        }
    };

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static long liveHeap() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
