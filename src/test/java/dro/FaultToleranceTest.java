package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.backend.ChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.backend.RetryPolicy;
import dro.backend.RetryingChatModel;
import dro.testing.FaultInjector;
import dro.testing.FaultInjector.Fault;
import dro.testing.ScriptedDroRoles;
import dro.testing.ScriptedOpenAiServer;
import dro.train.run.DroTrainer;
import dro.train.Step;
import dro.train.run.TrainConfig;
import dro.train.run.TrainListener;
import dro.train.run.TrainResult;
import dro.icl.IclExample;
import dro.icl.Embedder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI backend and the training loop against a loopback server that fails 20% of calls (HTTP 429, HTTP 500 or
 * no answer in time, in equal shares) and garbles 5% of bodies. Faults are drawn from a fixed seed, so each run
 * injects the same faults; figures are printed.
 */
@Tag("slow")
class FaultToleranceTest {

    static final Duration TIMEOUT = Duration.ofSeconds(1);
    static final Duration STALL = Duration.ofSeconds(3);
    static final RetryPolicy NO_WAIT = RetryPolicy.builder().sleeper(d -> { }).build();

    @TempDir
    Path tmp;

    /** The OpenAI backend on {@code server}'s {@code model} in the one retry layer, {@code retries}. */
    static ChatModel model(ScriptedOpenAiServer server, String model, RetryPolicy retries, int maxConcurrency) {
        return new RetryingChatModel(OpenAiBackend.create(client(server, model, retries), maxConcurrency), retries);
    }

    static ChatModel model(ScriptedOpenAiServer server, String model, RetryPolicy retries) {
        return model(server, model, retries, 4);
    }

    static OpenAiChatClient client(ScriptedOpenAiServer server, String model, RetryPolicy retries) {
        return OpenAiChatClient.builder().model(model).apiKey("sk-test").baseUrl(server.baseUrl())
                .timeout(retries == RetryPolicy.NONE ? Duration.ofSeconds(60) : TIMEOUT).build();
    }

    /** What a failure may say: the endpoint's status, no answer in time, or an answer that is not a completion. */
    static final Pattern CLEAR = Pattern.compile("(HTTP 429 from \\S+ \\(model \"m\"\\): Rate limit reached, injected"
            + "|HTTP 500 from \\S+ \\(model \"m\"\\): The server had an error, injected"
            + "|\\S+ \\(model \"m\"\\) did not answer within 1 s"
            + "|The answer from \\S+ \\(model \"m\"\\) is not a chat completion: .+)"
            + "(; gave up after 3 attempts)?");

    @Test
    void everyRequestEitherSucceedsWithTheRightAnswerOrFailsWithAClearException() throws Exception {
        FaultInjector faults = new FaultInjector(ScriptedOpenAiServer.scriptedModel(
                r -> "echo:" + r.message("user").hashCode() + "<END>"), 0.20, 0.05, STALL, 7);
        int generated = 300;
        int streamed = 40;
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> unclear = new ArrayList<>();
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start().respond(faults);
             AutoModel model = AutoModel.builder().chatModel(model(server, "m", NO_WAIT, 8))
                     .build()) {
            GenerateOptions o = GenerateOptions.builder().optimizedIcl(false).build();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < generated + streamed; i++) {
                    String query = "Question " + i + "?";
                    boolean stream = i >= generated;
                    String expected = "echo:" + model.assemble(query, o).user().hashCode();
                    results.add(pool.submit(() -> {
                        try {
                            String answer = stream ? model.generate(query, o, piece -> { }).text()
                                    : model.generate(query, o);
                            return answer.equals(expected) ? "ok" : "WRONG ANSWER " + answer;
                        } catch (ApiException e) {
                            boolean clear = CLEAR.matcher(e.getMessage()).matches()
                                    && (stream || e.attempts() == 3);
                            return (clear ? "failed: " : "UNCLEAR: ") + e.getClass().getSimpleName()
                                    + (clear ? "" : " " + e.getMessage());
                        }
                    }));
                }
                for (Future<String> f : results) {
                    String r = f.get();
                    outcomes.merge(r.startsWith("WRONG") || r.startsWith("UNCLEAR") ? "unexpected" : r, 1,
                            Integer::sum);
                    if (r.startsWith("WRONG") || r.startsWith("UNCLEAR")) {
                        unclear.add(r);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
        System.out.printf(Locale.ROOT, "[fault tolerance] %d requests (%d streamed): %s; faults injected: %s%n",
                generated + streamed, streamed, outcomes, faults.counts());
        assertEquals(List.of(), unclear);
        assertEquals(generated + streamed, outcomes.values().stream().mapToInt(Integer::intValue).sum());
        for (Fault f : List.of(Fault.RATE_LIMIT, Fault.SERVER_ERROR, Fault.TIMEOUT, Fault.GARBLED)) {
            assertTrue(faults.counts().get(f) > 5, f + " was injected: " + faults.counts());
        }
        assertTrue(outcomes.getOrDefault("ok", 0) > 0.9 * (generated + streamed), outcomes.toString());
    }

    @Test
    void trainingUnderFaultsEndsWithTheResultOfAFaultFreeRun() {
        TrainResult clean;
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()
                .respond(ScriptedDroRoles.responder(ScriptedDroRoles::prefersTwo, null))) {
            clean = train(server, tmp.resolve("clean"), RetryPolicy.NONE);
        }
        FaultInjector faults = new FaultInjector(ScriptedDroRoles.responder(ScriptedDroRoles::prefersTwo, null),
                0.20, 0.05, STALL, 11);
        TrainResult faulty;
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start().respond(faults)) {
            faulty = train(server, tmp.resolve("faulty"), NO_WAIT.toBuilder().maxAttempts(12).build());
        }
        System.out.printf(Locale.ROOT, "[fault tolerance] training: %d calls, faults injected: %s%n",
                faulty.stats().made(), faults.counts());

        assertEquals("P.2.2.2.2.2", clean.optimizedPrompt());
        assertEquals(clean.optimizedPrompt(), faulty.optimizedPrompt());
        assertEquals(clean.score(), faulty.score(), 0);
        assertEquals(steps(clean), steps(faulty));
        assertEquals(clean.stats().made(), faulty.stats().made(), "the same calls, each recorded once");
        for (Fault f : List.of(Fault.RATE_LIMIT, Fault.SERVER_ERROR, Fault.TIMEOUT, Fault.GARBLED)) {
            assertTrue(faults.counts().get(f) > 0, f + " was injected: " + faults.counts());
        }
    }

    private static List<String> steps(TrainResult r) {
        return r.bestPath().stream().map(Step::toString).toList();
    }

    private static TrainResult train(ScriptedOpenAiServer server, Path dir, RetryPolicy retries) {
        TrainConfig config = TrainConfig.builder().initialSystemPrompt("P").depth(6).maxDepthIncrease(0).logDir(dir)
                .baseModel("policy-m").judgeModel("judge-m").metricsModel("selector-m").optimizerModel("optimizer-m")
                .build();
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            queries.add("Training question " + i + "?");
        }
        try (ChatModel policy = model(server, "policy-m", retries); ChatModel judge = model(server, "judge-m",
                retries); ChatModel selector = model(server, "selector-m", retries);
             ChatModel optimizer = model(server, "optimizer-m", retries)) {
            return new DroTrainer(config, new DroTrainer.Models(policy, judge, selector, optimizer), ICL, EMBEDDER)
                    .run(queries, TrainListener.NONE);
        }
    }

    static final List<IclExample> ICL = List.of(new IclExample("How do I cook rice?", "<START>\nRinse it.\n<END>"));

    static final Embedder EMBEDDER = new Embedder() {
        @Override
        public String id() {
            return "fault-tolerance-test";
        }

        @Override
        public float[] embed(String text) {
            return new float[] {1, text.length()};
        }
    };
}
