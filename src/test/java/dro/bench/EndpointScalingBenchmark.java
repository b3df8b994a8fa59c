package dro.bench;

import dro.AutoModel;
import dro.Environment;
import dro.backend.ChatModel;
import dro.backend.Endpoint;
import dro.backend.EndpointStats;
import dro.backend.RoutingChatModel;
import dro.eval.EvalConfiguration;
import dro.eval.EvalListener;
import dro.eval.EvalQueries;
import dro.eval.EvalQuery;
import dro.eval.EvalResult;
import dro.eval.EvalSettings;
import dro.eval.Evaluator;
import dro.testing.ScriptedEvalRoles;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Throughput of one evaluation run on 1, 2 and 4 endpoints: the bundled 56 queries under the configurations
 * {@code none} and {@code base} (224 calls: an answer and a judgement each), every API model routed by
 * {@code AutoModel.Builder.endpoints} over loopback OpenAI-protocol servers (the real openai-java client over HTTP)
 * that answer each call after a fixed delay, {@code max_concurrency} 1 each, run concurrency 8. The three endpoint
 * counts alternate in one process, round after round.
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dro.bench.EndpointScalingBenchmark</pre>
 *
 * Optional arguments: delay in ms (default 50), rounds (default 3). Ends by itself (no {@code System.exit}): the
 * models and servers are closed, and every thread left is a daemon.
 */
public final class EndpointScalingBenchmark {

    private EndpointScalingBenchmark() { }

    public static void main(String[] args) throws Exception {
        int delayMs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int[] counts = {1, 2, 4};
        List<EvalQuery> queries = EvalQueries.bundled();
        List<EvalConfiguration> configurations = EvalConfiguration.parseAll(List.of("none", "base"),
                Optional::empty);
        Function<ScriptedOpenAiServer.Request, ScriptedOpenAiServer.Reply> roles = ScriptedEvalRoles.responder();
        List<ScriptedOpenAiServer> servers = new ArrayList<>();
        Path root = Files.createTempDirectory("dro4j-bench");
        try {
            for (int i = 0; i < 4; i++) {
                servers.add(ScriptedOpenAiServer.start().respond(r -> roles.apply(r)
                        .withDelay(Duration.ofMillis(delayMs))));
            }
            System.out.printf(Locale.ROOT, "Endpoint scaling: eval of %d queries x %d configurations, every call"
                    + " answered after %d ms, max_concurrency 1 per endpoint, concurrency 8; %s%n", queries.size(),
                    configurations.size(), delayMs, BenchSupport.machine());
            Map<Integer, List<Double>> seconds = new LinkedHashMap<>();
            String reference = null;
            for (int round = 1; round <= rounds; round++) {
                StringBuilder line = new StringBuilder("round " + round + ":");
                for (int n : counts) {
                    Run run = run(servers.subList(0, n), root.resolve("r" + round + "-" + n), queries,
                            configurations);
                    seconds.computeIfAbsent(n, k -> new ArrayList<>()).add(run.seconds());
                    if (reference == null) {
                        reference = run.results();
                    }
                    line.append(String.format(Locale.ROOT, " | %d endpoint%s: %.2f s, %d calls (%s), %.1f calls/s%s",
                            n, n == 1 ? "" : "s", run.seconds(), run.calls(), run.perEndpoint(),
                            run.calls() / run.seconds(), run.results().equals(reference) ? "" : ", RESULTS DIFFER"));
                }
                System.out.println(line);
            }
            double one = BenchSupport.median(seconds.get(1));
            for (int n : counts) {
                double m = BenchSupport.median(seconds.get(n));
                System.out.printf(Locale.ROOT, "median: %d endpoint%s %.2f s, speed-up %.2fx (linear: %dx)%n", n,
                        n == 1 ? " " : "s", m, one / m, n);
            }
        } finally {
            servers.forEach(ScriptedOpenAiServer::close);
            TestModels.deleteTree(root);
        }
    }

    private record Run(double seconds, int calls, String perEndpoint, String results) { }

    private static Run run(List<ScriptedOpenAiServer> servers, Path dir, List<EvalQuery> queries,
                           List<EvalConfiguration> configurations) throws Exception {
        servers.forEach(ScriptedOpenAiServer::reset);
        List<Endpoint> endpoints = servers.stream().map(s -> Endpoint.of(s.baseUrl()).withMaxConcurrency(1)).toList();
        RoutingChatModel.Pool stats = new RoutingChatModel.Pool();
        EvalSettings settings = EvalSettings.builder().outDir(dir).model("answerer-m").judgeModel("eval-judge-m")
                .concurrency(8).build();
        try (ChatModel answerer = api("answerer-m", endpoints, stats);
             ChatModel judge = api("eval-judge-m", endpoints, stats)) {
            long t0 = System.nanoTime();
            EvalResult r = new Evaluator(settings, new Evaluator.Models(answerer, judge)).run(queries,
                    configurations, EvalListener.NONE);
            double s = BenchSupport.seconds(t0);
            String per = String.join("/", stats.snapshot().stream().map(e -> String.valueOf(e.calls())).toList());
            long errors = stats.snapshot().stream().mapToLong(EndpointStats::errors).sum();
            int most = servers.stream().mapToInt(ScriptedOpenAiServer::maxConcurrentRequests).max().orElse(0);
            return new Run(s, r.stats().made(), per + ", at most " + most + " at once"
                    + (errors > 0 ? ", " + errors + " errors" : ""),
                    Files.readString(r.resultsFile()));
        }
    }

    private static ChatModel api(String model, List<Endpoint> endpoints, RoutingChatModel.Pool stats) {
        return AutoModel.builder().openAiModel(true).model(model).environment(Environment.of(Map.of(
                Endpoint.DEFAULT_API_KEY_ENV, "sk-bench"))).endpoints(endpoints).endpointPool(stats)
                .buildChatModel();
    }
}
