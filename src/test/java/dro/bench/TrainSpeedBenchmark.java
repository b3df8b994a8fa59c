package dro.bench;

import dro.backend.ChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.train.run.DroTrainer;
import dro.train.run.TrainConfig;
import dro.train.run.TrainListener;
import dro.train.run.TrainResult;
import dro.testing.ScriptedDroRoles;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training speed-up from concurrent calls: the same DRO search (beam 2, 3 actions, depth 20) against a loopback
 * OpenAI-protocol server that answers every call after a fixed delay, once with one call at a time and once with
 * {@code --concurrency 8}, side by side in one process.
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dro.bench.TrainSpeedBenchmark</pre>
 *
 * Optional arguments: delay in ms (default 50), depth (default 20, the original's), repetitions (default 2).
 */
public final class TrainSpeedBenchmark {

    private TrainSpeedBenchmark() { }

    public static void main(String[] args) throws Exception {
        int delayMs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int depth = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < depth + 2; i++) {
            queries.add("Benchmark question number " + i + "?");
        }
        Path root = Files.createTempDirectory("dro4j-bench");
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()
                .respond(ScriptedDroRoles.responder(ScriptedDroRoles::prefersTwo, Duration.ofMillis(delayMs)))) {
            System.out.printf(Locale.ROOT, "DRO search: beam 2 x 3 actions, depth %d, every call answered after %d ms%n",
                    depth, delayMs);
            for (int rep = 1; rep <= reps; rep++) {
                Result seq = run(server, root.resolve("seq" + rep), queries, depth, 1);
                Result par = run(server, root.resolve("par" + rep), queries, depth, 8);
                System.out.printf(Locale.ROOT, "run %d: concurrency 1: %6.2f s, %d calls | concurrency 8: %6.2f s, %d calls"
                                + " | speed-up %.2fx | same prompt: %s%n", rep, seq.seconds, seq.calls, par.seconds,
                        par.calls, seq.seconds / par.seconds, seq.prompt.equals(par.prompt));
            }
        } finally {
            TestModels.deleteTree(root);
        }
    }

    private record Result(double seconds, int calls, String prompt) { }

    private static Result run(ScriptedOpenAiServer server, Path dir, List<String> queries, int depth, int concurrency) {
        TrainConfig config = TrainConfig.builder().initialSystemPrompt("P").depth(depth).maxDepthIncrease(0)
                .beamSize(2).nActions(3).retIcl(false).concurrency(concurrency).logDir(dir).baseModel("policy-m")
                .judgeModel("judge-m").metricsModel("selector-m").optimizerModel("optimizer-m").build();
        long t0 = System.nanoTime();
        TrainResult r = new DroTrainer(config, new DroTrainer.Models(api(server, "policy-m"), api(server, "judge-m"),
                api(server, "selector-m"), api(server, "optimizer-m"))).run(queries, TrainListener.NONE);
        return new Result((System.nanoTime() - t0) / 1e9, r.stats().made(), r.optimizedPrompt());
    }

    private static ChatModel api(ScriptedOpenAiServer server, String model) {
        return OpenAiBackend.create(OpenAiChatClient.builder().model(model).apiKey("sk-bench")
                .baseUrl(server.baseUrl()).build(), 4);
    }
}
