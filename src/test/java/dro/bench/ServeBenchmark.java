package dro.bench;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.serve.DroServer;
import dro.testing.ScriptedOpenAiServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code dro serve} under 16 concurrent clients (java.net.http over loopback), a fixed number of requests each run.
 *
 * <ul>
 *   <li>proxy: the server in front of a loopback OpenAI-protocol server that answers after a fixed delay, against the
 *   same clients sending the request DRO would send straight to that upstream; the median added latency per
 *   request. Two server variants: DRO with the bundled ICL examples (all-MiniLM-L6-v2 retrieval, k = 3), and with
 *   {@code "dro": {"num_icl": 0}}.</li>
 *   <li>local: the 113.7M-parameter random model (4 slots, no ICL, a one-line prompt, 32 greedy tokens) answering
 *   the same queries through the server and through one in-process {@code completeAll}; the throughput ratio, 3
 *   rounds and their median.</li>
 * </ul>
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dro.bench.ServeBenchmark
 *     -Dexec.args="proxy 480 20"</pre>
 *
 * Arguments: {@code proxy|local|both} (default both), requests (default 480 proxy, 32 local), upstream delay in ms
 * (default 20). Ends by itself.
 */
public final class ServeBenchmark {

    static final int CLIENTS = 16;
    static final HttpClient HTTP = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "bench-http");
        t.setDaemon(true);
        return t;
    })).build();

    private ServeBenchmark() { }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "both";
        System.out.println("dro serve benchmark: " + CLIENTS + " clients; " + BenchSupport.machine());
        if (!mode.equals("local")) {
            proxy(args.length > 1 ? Integer.parseInt(args[1]) : 480, args.length > 2 ? Integer.parseInt(args[2]) : 20);
        }
        if (!mode.equals("proxy")) {
            local(args.length > 1 && mode.equals("local") ? Integer.parseInt(args[1]) : 32);
        }
    }

    record Run(double seconds, List<Double> latenciesMs, int failures) {
        double perSecond() {
            return latenciesMs.size() / seconds;
        }

        double percentile(double p) {
            List<Double> s = new ArrayList<>(latenciesMs);
            Collections.sort(s);
            return s.get(Math.min(s.size() - 1, (int) Math.ceil(p * s.size()) - 1));
        }

        String describe() {
            return String.format(Locale.ROOT, "%4d requests in %6.2f s, %6.1f req/s | latency p50 %7.1f ms, p90 %7.1f"
                    + " ms, p99 %7.1f ms | failures %d", latenciesMs.size(), seconds, perSecond(), percentile(0.5),
                    percentile(0.9), percentile(0.99), failures);
        }
    }

    /** {@code requests} POSTs of {@code bodies} (cycled) to {@code url} from {@link #CLIENTS} threads. */
    static Run drive(String url, List<String> bodies, int requests) throws Exception {
        return drive(requests, i -> HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i % bodies.size()))).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }

    /** One request of a run: true when it succeeded. */
    interface Call {
        boolean run(int i) throws Exception;
    }

    /** {@code requests} calls from {@link #CLIENTS} threads, each timed. */
    static Run drive(int requests, Call call) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                all.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        long s = System.nanoTime();
                        boolean ok;
                        try {
                            ok = call.run(i);
                        } catch (Exception e) {
                            ok = false;
                        }
                        if (ok) {
                            latencies.add((System.nanoTime() - s) / 1e6);
                        } else {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
        }
        return new Run(BenchSupport.seconds(t0), new ArrayList<>(latencies), failures.get());
    }

    static String chatBody(String model, String query, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":"
                + dro.internal.Json.compact(query) + "}]" + extra + "}";
    }

    static void proxy(int requests, int delayMs) throws Exception {
        List<String> queries = BenchSupport.hundredQueries();
        try (ScriptedOpenAiServer upstream = ScriptedOpenAiServer.start()) {
            upstream.respond(r -> ScriptedOpenAiServer.scriptedModel("An answer.<END>").apply(r)
                    .withDelay(Duration.ofMillis(delayMs)));
            try (AutoModel model = AutoModel.builder().openAiModel(true).model("upstream").apiKey("sk-bench")
                    .baseUrl(upstream.baseUrl()).optimizedPrompt("You are a helpful, careful assistant.")
                    .maxConcurrency(CLIENTS).build();
                 DroServer server = DroServer.builder().model("upstream", model).port(0).slots(CLIENTS).queue(64)
                         .start()) {
                String serverUrl = server.baseUrl() + "/chat/completions";
                List<String> withIcl = queries.stream().map(q -> chatBody("upstream", q, "")).toList();
                List<String> noIcl = queries.stream().map(q -> chatBody("upstream", q,
                        ",\"dro\":{\"num_icl\":0}")).toList();
                // what DRO sends upstream for each query, captured once, for the direct runs
                List<String> directWithIcl = new ArrayList<>();
                List<String> directNoIcl = new ArrayList<>();
                for (int i = 0; i < queries.size(); i++) {
                    upstream.reset();
                    drive(serverUrl, List.of(withIcl.get(i)), 1);
                    directWithIcl.add(upstream.lastRequest().body());
                    upstream.reset();
                    drive(serverUrl, List.of(noIcl.get(i)), 1);
                    directNoIcl.add(upstream.lastRequest().body());
                }
                String upstreamUrl = upstream.baseUrl() + "/chat/completions";
                System.out.printf(Locale.ROOT, "proxy: upstream delay %d ms, %d requests per run, 100 queries%n",
                        delayMs, requests);
                for (int round = 1; round <= 2; round++) {
                    Run direct = drive(upstreamUrl, directWithIcl, requests);
                    Run inProcess = drive(requests, i -> !model.complete(queries.get(i % queries.size()), dro.GenerateOptions.DEFAULTS)
                            .text().isEmpty());
                    Run served = drive(serverUrl, withIcl, requests);
                    Run directPlain = drive(upstreamUrl, directNoIcl, requests);
                    Run servedPlain = drive(serverUrl, noIcl, requests);
                    System.out.println("round " + round);
                    System.out.println("  upstream directly (DRO request)  " + direct.describe());
                    System.out.println("  AutoModel in process (ICL k=3)   " + inProcess.describe());
                    System.out.println("  through dro serve (ICL k=3)      " + served.describe());
                    System.out.printf(Locale.ROOT, "  added median latency with ICL retrieval: %+.1f ms over the"
                            + " upstream directly, %+.1f ms over AutoModel in process%n", served.percentile(0.5)
                            - direct.percentile(0.5), served.percentile(0.5) - inProcess.percentile(0.5));
                    System.out.println("  upstream directly (no ICL)       " + directPlain.describe());
                    System.out.println("  through dro serve (num_icl 0)    " + servedPlain.describe());
                    System.out.printf(Locale.ROOT, "  added median latency without ICL: %+.1f ms%n",
                            servedPlain.percentile(0.5) - directPlain.percentile(0.5));
                }
            }
        }
    }

    static void local(int requests) throws Exception {
        List<String> queries = BenchSupport.hundredQueries().subList(0, requests);
        Path dir = Files.createTempDirectory("dro4j-bench");
        try {
            Path file = BenchSupport.hundredMillionModel(dir, 1024);
            GenerateOptions options = GenerateOptions.builder().optimizedIcl(false).temperature(0).maxNewTokens(32)
                    .stop(List.of()).build();
            try (AutoModel model = AutoModel.builder().model(file).parallelSlots(4).maxModelLen(1024)
                    .optimizedPrompt("You are a helpful assistant.").defaultOptions(options).build();
                 DroServer server = DroServer.builder().model("random", model).port(0).slots(4).queue(CLIENTS)
                         .start()) {
                String url = server.baseUrl() + "/chat/completions";
                List<String> bodies = queries.stream().map(q -> chatBody("random", q, "")).toList();
                model.completeAll(queries.subList(0, 4), options); // warm-up
                System.out.printf(Locale.ROOT, "local: %d queries x 32 greedy tokens, 4 slots%n", requests);
                List<Double> ratios = new ArrayList<>();
                for (int round = 1; round <= 3; round++) {
                    long t0 = System.nanoTime();
                    model.completeAll(queries, options);
                    double inProcess = BenchSupport.seconds(t0);
                    Run served = drive(url, bodies, requests);
                    System.out.printf(Locale.ROOT, "round %d: completeAll %6.2f s, %5.2f req/s | dro serve %s"
                            + " | ratio %.2f%n", round, inProcess, requests / inProcess, served.describe(),
                            served.perSecond() / (requests / inProcess));
                    ratios.add(served.perSecond() / (requests / inProcess));
                }
                System.out.printf(Locale.ROOT, "median ratio dro serve / completeAll over 3 rounds: %.2f%n",
                        BenchSupport.median(ratios));
            }
        } finally {
            dro.testing.TestModels.deleteTree(dir);
        }
    }
}
