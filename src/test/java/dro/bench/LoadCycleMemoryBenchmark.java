package dro.bench;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.icl.Embedder;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What open–generate–close cycles of a local model leave behind: the process's resident memory, the live Java heap
 * and the JVM's thread count after the first cycle and every 5 cycles. The first cycle loads the model; the later ones
 * take over the model the previous one left loaded and idle (models of the same file and load settings share one
 * native model, see {@code dro.backend.llamacpp.SharedModels}). The claim it checks: <b>20 cycles grow resident memory
 * by at most one load's worth in all</b>, that is, cycles 2 to 20 together add less than 10% of what the first cycle
 * (the load) added.
 *
 * <pre>./mvnw -q -B -DskipTests package &amp;&amp; ./mvnw -q -B test-compile
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
            System.out.printf(Locale.ROOT, "%d open-generate-close cycles of %s (%.1f MiB, context %d); %s%n",
                    cycles, model.getFileName(), Files.size(model) / 1048576.0, context, BenchSupport.machine());
            GenerateOptions o = GenerateOptions.builder().temperature(0).userSpecifiedSystemPrompt("Be brief.")
                    .numOptimizedIcl(1).maxNewTokens(16).stop(java.util.List.of()).build();
            long rss0 = BenchSupport.rss();
            long heap0 = BenchSupport.heapAfterGc();
            int threads0 = threads();
            System.out.printf(Locale.ROOT, "before the first cycle: resident %.1f MiB, live heap %.1f MiB, %d"
                    + " threads%n", mib(rss0), mib(heap0), threads0);
            long t0 = System.nanoTime();
            long rss1 = rss0;
            for (int i = 1; i <= cycles; i++) {
                cycle(model, context, o, dir);
                if (i == 1 || i % 5 == 0 || i == cycles) {
                    long rss = BenchSupport.rss();
                    long heap = BenchSupport.heapAfterGc();
                    if (i == 1) {
                        rss1 = rss;
                    }
                    System.out.printf(Locale.ROOT, "after %3d cycles: resident %7.1f MiB (%+7.1f), live heap %5.1f MiB"
                                    + " (%+5.1f), %d threads (%+d)%n", i, mib(rss), mib(rss - rss0), mib(heap),
                            mib(heap - heap0), threads(), threads() - threads0);
                }
            }
            long rss = BenchSupport.rss();
            double load = mib(rss1 - rss0);
            double later = mib(rss - rss1);
            System.out.printf(Locale.ROOT, "cycle 1 (the load): resident %+.1f MiB; cycles 2 to %d: %+.1f MiB in all"
                            + " (%+.2f MiB per cycle); %d cycles in all: %+.1f MiB = %.2f loads' worth; %.2f s per"
                            + " cycle%n", load, cycles, later, later / Math.max(1, cycles - 1), cycles, load + later,
                    (load + later) / load, BenchSupport.seconds(t0) / cycles);
            System.out.printf(Locale.ROOT, "at most one load's worth in all (cycles 2 to %d add < 10%% of the load):"
                    + " %s%n", cycles, later < 0.1 * load ? "yes" : "NO");
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

    private static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
