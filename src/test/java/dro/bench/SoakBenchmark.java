package dro.bench;

import dro.AutoModel;
import dro.ContextOverflowException;
import dro.FinishReason;
import dro.GenerateOptions;
import dro.Generation;
import dro.InvalidRequestException;
import dro.TokenStream;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A long life: one local model under 4 threads of mixed traffic for 10 minutes, sampling the live Java heap and the
 * process's resident memory, to show that neither grows once warmed up and that no request fails beyond the ones
 * meant to.
 *
 * <pre>./mvnw -q -B -DskipTests package &amp;&amp; ./mvnw -q -B test-compile
 * java -Xms128m -Xmx128m -XX:+AlwaysPreTouch -cp "target/test-classes:target/classes:target/lib/*" \
 *     dro.bench.SoakBenchmark 10</pre>
 *
 * (a JVM of its own, so that Maven's memory is not counted; a fixed heap, touched at start, so that resident memory
 * does not grow as the collector commits more heap under a higher request rate, which is no leak: the heap used
 * after a collection is measured apart). The model is a small random llama (F16, embd 128,
 * 2 layers, ff 384, {@code TinyGguf.randomF16}; small so that a shared, busy machine still runs thousands of requests),
 * loaded with 2 parallel slots, a 512-token context per request and 1 llama.cpp thread (2 threads that wait for each
 * other at every step crawl on a machine that other processes keep busy). Each traffic thread holds an
 * {@code AutoModel} of that file and, every 50 requests, closes it and builds a new one: all of them share one loaded
 * model. Each request is drawn at random:
 * <ul>
 *   <li>{@code generate} (30%): one answer of up to 24 tokens;</li>
 *   <li>{@code stream-cancelled} (20%): a stream of up to 32 tokens, cancelled after 16 pieces;</li>
 *   <li>{@code completeAll} (20%): three answers of up to 16 tokens in the parallel slots;</li>
 *   <li>{@code invalid} (15%): a blank query, a blank query inside {@code completeAll}, or options out of range;
 *   each must fail with {@link InvalidRequestException};</li>
 *   <li>{@code overflow} (15%): a query longer than the context, alone or inside {@code completeAll}; each must fail
 *   with {@link ContextOverflowException}.</li>
 * </ul>
 * Every 15 s a sampler records the heap used after a full GC and {@code VmRSS} from {@code /proc/self/status}. The
 * first fifth of the run is warm-up. The run's clock counts the time the process ran (a stopped process's gap between
 * two samples counts as one interval). <b>Flat</b> means: resident memory at the end exceeds the warm-up end's by less
 * than 5% (and its least-squares slope after warm-up is below 1% of it per minute), and the heap after GC by less
 * than 4 MiB. The program prints every sample, the requests by kind and outcome, the unexpected failures (there must
 * be none), and ends with {@code PASS} or {@code FAIL} (then with an exception, so the JVM exits with status 1).
 * Optional arguments: minutes (default 10), threads (default 4), sample seconds (default 15).
 */
public final class SoakBenchmark {

    private SoakBenchmark() { }

    enum Kind { GENERATE, STREAM_CANCELLED, COMPLETE_ALL, INVALID, OVERFLOW, REOPEN }

    record Sample(double minutes, long heap, long committed, long rss, long requests) { }

    static final double RSS_GROWTH_LIMIT = 0.05;
    static final double RSS_SLOPE_LIMIT_PER_MINUTE = 0.01;
    static final long HEAP_GROWTH_LIMIT = 4L << 20;

    public static void main(String[] args) throws Exception {
        double minutes = args.length > 0 ? Double.parseDouble(args[0]) : 10;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int sampleSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        Path dir = Files.createTempDirectory("dro4j-soak");
        try {
            Path model = TinyGguf.randomF16(dir.resolve("random-f16-small.gguf"), 1, 128, 2, 4, 384, 4096,
                    TinyGguf.CHAT_TEMPLATE);
            System.out.printf(Locale.ROOT, "soak: %.1f min, %d threads of mixed traffic on %s (%.2fM parameters,"
                    + " %.1f MiB, 2 slots, context 512); %s%n", minutes, threads, model.getFileName(),
                    TinyGguf.parameterCount(128, 2, 384) / 1e6, Files.size(model) / 1048576.0, BenchSupport.machine());
            new Run(model, threads).run(minutes, sampleSeconds);
        } finally {
            TestModels.deleteTree(dir);
        }
    }

    private static final class Run {
        final Path model;
        final int threads;
        /** Queries that fit the context with room for the answer (the model reads bytes). */
        final List<String> queries = BenchSupport.hundredQueries().stream().filter(q -> q.length() <= 200).toList();
        final String tooLong = "Tell me about this: " + "a very long question ".repeat(40);
        final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        final AtomicLong requests = new AtomicLong();
        volatile boolean stop;

        Run(Path model, int threads) {
            this.model = model;
            this.threads = threads;
        }

        AutoModel open() {
            return AutoModel.builder().model(model).maxModelLen(512).parallelSlots(2).threads(1)
                    .optimizedPrompt("You are a helpful assistant.").build();
        }

        static GenerateOptions options(int maxNewTokens) {
            return GenerateOptions.builder().temperature(0.8).optimizedIcl(false).maxNewTokens(maxNewTokens)
                    .stop(List.of()).build();
        }

        void run(double minutes, int sampleSeconds) throws Exception {
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                long seed = 1000 + i;
                Thread t = new Thread(() -> work(seed), "soak-" + i);
                workers.add(t);
                t.start();
            }
            // The run's clock counts the time the process ran: a gap between samples much longer than asked (the
            // process was stopped, as a shared machine may do) counts as the interval asked.
            long interval = sampleSeconds * 1_000_000_000L;
            long active = 0;
            long last = System.nanoTime();
            List<Sample> samples = new ArrayList<>();
            while (true) {
                long now = System.nanoTime();
                active += Math.min(now - last, interval + interval / 2);
                last = now;
                long heap = BenchSupport.heapAfterGc();
                Sample s = new Sample(active / 60e9, heap,
                        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted(), BenchSupport.rss(), requests.get());
                samples.add(s);
                System.out.printf(Locale.ROOT, "%6.2f min: heap after GC %6.1f MiB (committed %5.1f), resident %7.1f"
                        + " MiB, %6d requests%n", s.minutes(), mib(s.heap()), mib(s.committed()), mib(s.rss()),
                        s.requests());
                if (s.minutes() >= minutes) {
                    break;
                }
                Thread.sleep(Math.min(sampleSeconds * 1000L, Math.max(1, (long) ((minutes - s.minutes()) * 60e3))));
            }
            stop = true;
            for (Thread t : workers) {
                t.join();
            }
            report(samples, minutes);
        }

        void work(long seed) {
            Random r = new Random(seed);
            AutoModel m = open();
            try {
                int done = 0;
                while (!stop) {
                    if (++done % 50 == 0) {
                        m.close();
                        m = open();
                        count(Kind.REOPEN, "ok");
                    }
                    int p = r.nextInt(100);
                    Kind kind = p < 30 ? Kind.GENERATE : p < 50 ? Kind.STREAM_CANCELLED : p < 70 ? Kind.COMPLETE_ALL
                            : p < 85 ? Kind.INVALID : Kind.OVERFLOW;
                    try {
                        count(kind, request(m, kind, r));
                    } catch (RuntimeException e) {
                        count(kind, "unexpected " + e.getClass().getSimpleName());
                        failures.add(kind + ": " + e);
                    }
                    requests.incrementAndGet();
                }
            } finally {
                m.close();
            }
        }

        /** Runs one request and returns its outcome; an outcome other than the expected one is a failure. */
        String request(AutoModel m, Kind kind, Random r) {
            String q = queries.get(r.nextInt(queries.size()));
            switch (kind) {
                case GENERATE -> {
                    Generation g = m.complete(q, options(24));
                    return expect(kind, g.finishReason() != FinishReason.CANCELLED, "ok", g);
                }
                case STREAM_CANCELLED -> {
                    try (TokenStream s = m.stream(q, options(32))) {
                        int pieces = 0;
                        while (pieces < 16 && s.hasNext()) {
                            s.next();
                            pieces++;
                        }
                        if (pieces < 16) {
                            return "ended before half"; // an end-of-generation token: allowed, but counted
                        }
                        s.cancel();
                        return expect(kind, !s.hasNext() && s.result().finishReason() == FinishReason.CANCELLED,
                                "cancelled", s.result());
                    }
                }
                case COMPLETE_ALL -> {
                    List<Generation> gs = m.completeAll(List.of(q, queries.get(r.nextInt(queries.size())),
                            queries.get(r.nextInt(queries.size()))), options(16));
                    return expect(kind, gs.size() == 3, "ok", gs);
                }
                case INVALID -> {
                    int which = r.nextInt(3);
                    try {
                        if (which == 0) {
                            m.generate("   ", options(16));
                        } else if (which == 1) {
                            m.completeAll(List.of(q, ""), options(16));
                        } else {
                            m.generate(q, GenerateOptions.builder().temperature(-1).build());
                        }
                    } catch (ContextOverflowException e) {
                        return fail(kind, e.toString());
                    } catch (InvalidRequestException e) {
                        return "refused";
                    }
                    return fail(kind, "accepted invalid request " + which);
                }
                case OVERFLOW -> {
                    try {
                        if (r.nextBoolean()) {
                            m.generate(tooLong, options(16));
                        } else {
                            m.completeAll(List.of(q, tooLong), options(16));
                        }
                    } catch (ContextOverflowException e) {
                        return "refused";
                    }
                    return fail(kind, "accepted a prompt longer than the context");
                }
                default -> throw new IllegalStateException(kind.toString());
            }
        }

        String expect(Kind kind, boolean ok, String outcome, Object what) {
            return ok ? outcome : fail(kind, "unexpected result " + what);
        }

        String fail(Kind kind, String why) {
            failures.add(kind + ": " + why);
            return "unexpected";
        }

        void count(Kind kind, String outcome) {
            outcomes.computeIfAbsent(kind.name().toLowerCase(Locale.ROOT).replace('_', '-') + " " + outcome,
                    k -> new AtomicLong()).incrementAndGet();
        }

        void report(List<Sample> samples, double minutes) {
            double warmup = minutes / 5;
            List<Sample> after = samples.stream().filter(s -> s.minutes() >= warmup).toList();
            Sample w = after.get(0);
            Sample e = samples.get(samples.size() - 1);
            Map<Kind, Long> byKind = new EnumMap<>(Kind.class);
            outcomes.forEach((k, v) -> byKind.merge(Kind.valueOf(k.substring(0, k.indexOf(' ')).toUpperCase(Locale.ROOT)
                    .replace('-', '_')), v.get(), Long::sum));
            System.out.println("requests by kind: " + byKind);
            System.out.println("outcomes: " + new java.util.TreeMap<>(outcomes));
            System.out.printf(Locale.ROOT, "%d requests in %.1f min (%.1f per second)%n", e.requests(), e.minutes(),
                    e.requests() / (e.minutes() * 60));
            System.out.println("unexpected failures: " + failures.size());
            failures.stream().limit(10).forEach(f -> System.out.println("  " + f));
            double rssSlope = slope(after, true);
            double heapSlope = slope(after, false);
            System.out.printf(Locale.ROOT, "warm-up end (%.2f min): heap after GC %.1f MiB, resident %.1f MiB%n",
                    w.minutes(), mib(w.heap()), mib(w.rss()));
            System.out.printf(Locale.ROOT, "end (%.2f min): heap after GC %.1f MiB (%+.1f), resident %.1f MiB (%+.1f,"
                    + " %+.1f%%)%n", e.minutes(), mib(e.heap()), mib(e.heap() - w.heap()), mib(e.rss()),
                    mib(e.rss() - w.rss()), 100.0 * (e.rss() - w.rss()) / w.rss());
            System.out.printf(Locale.ROOT, "slopes after warm-up (least squares): heap %+.3f MiB/min, resident %+.2f"
                    + " MiB/min%n", heapSlope, rssSlope);
            boolean rssFlat = e.rss() - w.rss() < RSS_GROWTH_LIMIT * w.rss()
                    && rssSlope < RSS_SLOPE_LIMIT_PER_MINUTE * mib(w.rss());
            boolean heapFlat = e.heap() - w.heap() < HEAP_GROWTH_LIMIT;
            System.out.printf(Locale.ROOT, "flat after warm-up (resident +<5%% and slope <1%%/min, heap +<4 MiB):"
                    + " resident %s, heap %s%n", rssFlat ? "yes" : "NO", heapFlat ? "yes" : "NO");
            boolean pass = rssFlat && heapFlat && failures.isEmpty();
            System.out.println(pass ? "PASS" : "FAIL");
            if (!pass) {
                throw new IllegalStateException("soak failed: see above");
            }
        }
    }

    /** Least-squares slope in MiB per minute of resident memory or heap over the samples. */
    static double slope(List<Sample> samples, boolean rss) {
        int n = samples.size();
        if (n < 2) {
            return 0;
        }
        double mx = 0;
        double my = 0;
        for (Sample s : samples) {
            mx += s.minutes();
            my += mib(rss ? s.rss() : s.heap());
        }
        mx /= n;
        my /= n;
        double num = 0;
        double den = 0;
        for (Sample s : samples) {
            double dx = s.minutes() - mx;
            num += dx * (mib(rss ? s.rss() : s.heap()) - my);
            den += dx * dx;
        }
        return den == 0 ? 0 : num / den;
    }

    static double mib(long bytes) {
        return bytes / 1048576.0;
    }
}
