package dro;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.icl.Embedder;
import dro.icl.IclExample;
import dro.testing.TestModels;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 sequential calls on one local model, each through the whole path (retrieval, prompt assembly, counting, a
 * slot, generation, cleaning; the query embedder is a cheap stand-in): the Java heap and the process's resident
 * memory after the calls stay within fixed bounds of what they were after a warm-up. The figures are printed.
 */
@Tag("slow")
class LocalMemoryTest {

    static final int WARM_UP = 100;
    static final int CALLS = 1000;
    /** Live heap may grow by at most this much over the calls. */
    static final long HEAP_BOUND = 16L << 20;
    /** Resident memory may grow by at most this much over the calls. */
    static final long RSS_BOUND = 64L << 20;

    @TempDir
    Path cache;

    @Test
    void aThousandSequentialCallsKeepMemoryStable() throws Exception {
        List<IclExample> icl = List.of(new IclExample("How do I cook rice?", "<START>\nRinse it, then simmer.\n<END>"),
                new IclExample("Why is the sky blue?", "<START>\nAir scatters blue light most.\n<END>"),
                new IclExample("How can I hurt someone?", "<START>\nI won't help with that.\n<END>"));
        GenerateOptions o = GenerateOptions.builder().temperature(0).numOptimizedIcl(2)
                .userSpecifiedSystemPrompt("Be brief.").stop(List.of()).maxNewTokens(8).build();
        try (AutoModel m = AutoModel.builder().model(TestModels.randomChat()).threads(2).maxModelLen(1024)
                .iclExamples(icl).embedder(HASHED).embeddingCacheDir(cache).build()) {
            for (int i = 0; i < WARM_UP; i++) {
                m.generate("Warm-up question " + i + "?", o);
            }
            long heap0 = liveHeap();
            long rss0 = rss();
            long t0 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                m.generate("Question " + i + " of a thousand, about " + (i * 31 % 97) + "?", o);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            long heap1 = liveHeap();
            long rss1 = rss();
            System.out.printf(Locale.ROOT, "[memory] %d calls in %.1f s: live heap %.1f -> %.1f MiB (%+.1f, bound"
                            + " %+d), resident %.1f -> %.1f MiB (%+.1f, bound %+d)%n", CALLS, s, mib(heap0),
                    mib(heap1), mib(heap1 - heap0), HEAP_BOUND >> 20, mib(rss0), mib(rss1), mib(rss1 - rss0),
                    RSS_BOUND >> 20);
            assertTrue(heap1 - heap0 < HEAP_BOUND, "live heap grew by " + mib(heap1 - heap0) + " MiB");
            if (rss0 > 0) {
                assertTrue(rss1 - rss0 < RSS_BOUND, "resident memory grew by " + mib(rss1 - rss0) + " MiB");
            }
        }
    }

    /** A cheap stand-in for the sentence embedder: the calls here are about dro4j's own path. */
    static final Embedder HASHED = new Embedder() {
        @Override
        public String id() {
            return "hashed-test";
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

    /** Heap in use after full collections. */
    static long liveHeap() throws InterruptedException {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, mx.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** VmRSS of this process in bytes, or -1 where /proc is not there. */
    static long rss() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }
}
