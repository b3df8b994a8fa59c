package dro.cli;

import static dro.cli.CliRun.dro;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.backend.ChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.roles.internal.Reasker;
import dro.testing.BatchApiServer;
import dro.testing.BatchApiServer.Fate;
import dro.testing.ChildJvm;
import dro.testing.ScriptedEvalRoles;
import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.ScriptedOpenAiServer.Request;
import dro.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dro eval --batch}: the real openai-java client's files() and batches() over real HTTP against a loopback Batch
 * API ({@link BatchApiServer}), whose lines are answered by the same scripted roles as a direct run's calls.
 */
class EvalBatchTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    BatchApiServer server;
    Path queries;
    List<JsonNode> directBodies;
    private final BiFunction<String, Boolean, ChatModel> original = TrainCommand.apiClients;

    /** The eval roles; the judge's first ask about an answer to "Q2?" without a system prompt is unreadable. */
    static Function<Request, Reply> roles() {
        Function<Request, Reply> eval = ScriptedEvalRoles.responder();
        return r -> {
            String user = String.valueOf(r.message("user"));
            if ("eval-judge-m".equals(r.model()) && user.contains("Q2?") && user.contains("\nplain")
                    && !user.endsWith(Reasker.REASK)) {
                return Reply.completion("Let me think about it.");
            }
            return eval.apply(r);
        };
    }

    @BeforeEach
    void start() throws Exception {
        server = BatchApiServer.start().respond(roles());
        TrainCommand.apiClients = (name, reasoning) -> OpenAiBackend.create(OpenAiChatClient.builder().model(name)
                .apiKey("sk-test").baseUrl(server.baseUrl()).build(), 4);
        queries = Files.writeString(tmp.resolve("q.txt"), "Q1?\nQ2?\nQ3?\nQ4?\n");
    }

    @AfterEach
    void stop() {
        TrainCommand.apiClients = original;
        server.close();
    }

    String[] eval(Path dir, String... more) {
        List<String> args = new ArrayList<>(List.of("eval", "--model", "answerer-m", "--judge-model", "eval-judge-m",
                "--queries", queries.toString(), "--config-set", "none", "--config-set", "base", "--out-dir",
                dir.toString()));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    static JsonNode summary(Path dir) throws Exception {
        return JSON.readTree(dir.resolve("summary.json").toFile());
    }

    /** A direct run's results.jsonl and counts, the reference for a batched one. */
    Path direct() throws Exception {
        Path dir = tmp.resolve("direct");
        CliRun r = dro(eval(dir));
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(), server.batches(), "a direct run creates no batch");
        // 8 answers, 8 judgements and the re-ask of the unreadable one
        assertEquals(17, server.directChats().size());
        directBodies = server.directChats().stream().map(Request::json).toList();
        server.resetCalls();
        return dir;
    }

    static void assertSameResults(Path direct, Path batched) throws Exception {
        assertEquals(Files.readAllLines(direct.resolve("results.jsonl")),
                Files.readAllLines(batched.resolve("results.jsonl")));
        JsonNode d = summary(direct);
        JsonNode b = summary(batched);
        for (String field : List.of("configurations", "comparisons", "calls_made", "calls_reused", "prompt_tokens",
                "completion_tokens")) {
            assertEquals(d.get(field), b.get(field), field);
        }
        assertFalse(d.get("batched").asBoolean());
        assertTrue(b.get("batched").asBoolean());
    }

    static List<String> users(BatchApiServer.Batch b) {
        return b.bodies().stream().map(x -> x.get("messages").get(x.get("messages").size() - 1).get("content")
                .asText()).toList();
    }

    @Test
    void aBatchedEvaluationSendsTheAnswersThenTheJudgementsThenTheReAskAndEqualsADirectRun() throws Exception {
        Path direct = direct();
        Path dir = tmp.resolve("batched");

        CliRun r = dro(eval(dir, "--batch", "--batch-poll", "0.01"));

        assertEquals(0, r.code(), r.err());
        List<BatchApiServer.Batch> batches = server.batches();
        assertEquals(List.of(8, 8, 1), batches.stream().map(b -> b.lines.size()).toList());
        assertTrue(batches.get(0).bodies().stream().allMatch(b -> b.get("model").asText().equals("answerer-m")));
        assertTrue(batches.get(1).bodies().stream().allMatch(b -> b.get("model").asText().equals("eval-judge-m")));
        assertTrue(users(batches.get(2)).get(0).endsWith(Reasker.REASK), "the follow-up batch re-asks");
        assertEquals(new java.util.HashSet<>(directBodies.stream().filter(b -> b.get("model").asText()
                .equals("answerer-m")).toList()), new java.util.HashSet<>(batches.get(0).bodies()),
                "a line's body is what a direct call sends");
        assertEquals(List.of(), server.directChats(), "every call went in a batch");
        assertSameResults(direct, dir);
        assertEquals(17, summary(dir).get("calls_made").asInt());
        assertEquals(17 * 10, summary(dir).get("prompt_tokens").asInt(), "batch usage counts as a direct call's");
        assertEquals("[\"batch_1\",\"batch_2\",\"batch_3\"]", summary(dir).get("batches").toString());
        JsonNode ledger = JSON.readTree(dir.resolve("batches.json").toFile());
        assertEquals(List.of("batch_1 answerer-m 8 completed true", "batch_2 eval-judge-m 8 completed true",
                "batch_3 eval-judge-m 1 completed true"), ledgerLines(ledger));
        assertTrue(r.err().contains("batch batch_1: submitted, 8 requests for answerer-m\n"
                + "batch batch_1: in_progress, 0/8 done, 0 failed\n"), r.err());
        assertTrue(r.err().contains("batch batch_3: submitted, 1 request for eval-judge-m"), r.err());
        assertTrue(r.err().contains("batch batch_1: completed, 8/8 done, 0 failed"), r.err());
        assertTrue(r.err().contains("dro: done: 8 answers judged; 17 calls made, 0 reused"), r.err());

        server.resetCalls();
        CliRun again = dro(eval(dir, "--batch", "--batch-poll", "0.01"));

        assertEquals(0, again.code(), again.err());
        assertEquals(List.of(), server.calls(), "a finished batched run makes no call at all");
        assertEquals(r.out(), again.out());
        assertEquals(3, server.batches().size());
    }

    static List<String> ledgerLines(JsonNode ledger) {
        List<String> out = new ArrayList<>();
        ledger.get("batches").forEach(b -> out.add(b.get("id").asText() + " " + b.get("model").asText() + " "
                + b.get("requests").asInt() + " " + b.get("status").asText() + " " + b.get("used").asBoolean()));
        return out;
    }

    @Test
    void failedLinesAreRetriedInAFollowUpBatchThenDirectly() throws Exception {
        Path direct = direct();
        // the answer to Q1? without a system prompt fails in every batch; the answers to Q3? fail once
        server.fate((b, r) -> {
            String user = String.valueOf(r.message("user"));
            if ("answerer-m".equals(r.model()) && user.contains("Q1?") && r.message("system") == null) {
                return Fate.FAIL;
            }
            return "answerer-m".equals(r.model()) && user.contains("Q3?") && b.number == 1 ? Fate.FAIL : Fate.ANSWER;
        });
        Path dir = tmp.resolve("batched");

        CliRun r = dro(eval(dir, "--batch", "--batch-poll", "0"));

        assertEquals(0, r.code(), r.err());
        // round 1: 8 answers, 3 fail; round 2: the 3 again (one fails again) and 5 judgements; round 3: the twice
        // failed answer directly, then in one batch the judgements of the 3 late answers and the re-ask of Q2?
        assertEquals(List.of("answerer-m 8", "answerer-m 3", "eval-judge-m 5", "eval-judge-m 4"),
                server.batches().stream().map(b -> b.bodies().get(0).get("model").asText() + " " + b.lines.size())
                        .toList());
        assertEquals(1, server.directChats().size());
        assertTrue(server.directChats().get(0).message("user").contains("Q1?"));
        assertEquals(null, server.directChats().get(0).message("system"));
        assertSameResults(direct, dir);
    }

    @Test
    void anExpiredBatchIsResubmittedWithOnlyTheLinesItDidNotAnswer() throws Exception {
        Path direct = direct();
        server.endState(b -> b.number == 1 ? "expired" : "completed")
                .fate((b, r) -> b.number == 1 && String.valueOf(r.message("user")).matches("(?s).*Q[12]\\?.*")
                        ? Fate.MISSING : Fate.ANSWER);
        Path dir = tmp.resolve("batched");

        CliRun r = dro(eval(dir, "--batch", "--batch-poll", "0"));

        assertEquals(0, r.code(), r.err());
        List<BatchApiServer.Batch> batches = server.batches();
        assertEquals(List.of(8, 4, 4), batches.stream().limit(3).map(b -> b.lines.size()).toList());
        assertEquals("answerer-m", batches.get(1).bodies().get(0).get("model").asText());
        assertTrue(users(batches.get(1)).stream().allMatch(u -> u.contains("Q1?") || u.contains("Q2?")),
                "only the missing answers: " + users(batches.get(1)));
        assertEquals(List.of(), server.directChats());
        assertSameResults(direct, dir);
        assertEquals("expired", JSON.readTree(dir.resolve("batches.json").toFile()).get("batches").get(0)
                .get("status").asText());
    }

    @Test
    void aRunKilledWhileItPollsPollsItsBatchAgainWhenRunAgain() throws Exception {
        server.hold(true);
        Path dir = tmp.resolve("batched");
        Path out = tmp.resolve("child-out.txt");
        Path err = tmp.resolve("child-err.txt");
        Process child = ChildJvm.start(tmp, Main.class, Map.of("OPENAI_BASE_URL", server.baseUrl(),
                "OPENAI_API_KEY", "sk-test"), out, err, eval(dir, "--batch", "--batch-poll", "0.05"));
        try {
            Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
            while (server.calls().stream().filter(c -> c.equals("GET /v1/batches/batch_1")).count() < 3) {
                assertTrue(child.isAlive(), () -> "the child ended: " + read(err));
                assertTrue(Instant.now().isBefore(deadline), () -> "no polls: " + read(err));
                Thread.sleep(50);
            }
            assertEquals(List.of("batch_1 answerer-m 8 in_progress false"),
                    ledgerLines(JSON.readTree(dir.resolve("batches.json").toFile())), "recorded while it runs");
        } finally {
            child.destroyForcibly().waitFor();
        }
        assertEquals(1, server.batches().size());
        server.hold(false).resetCalls();

        CliRun r = dro(eval(dir, "--batch", "--batch-poll", "0"));

        assertEquals(0, r.code(), r.err());
        assertEquals("GET /v1/batches/batch_1", server.calls().get(0), "it polls the batch it has");
        assertEquals(List.of("answerer-m 8", "eval-judge-m 8", "eval-judge-m 1"), server.batches().stream()
                .map(b -> b.bodies().get(0).get("model").asText() + " " + b.lines.size()).toList(),
                "no new batch of the answers");
        assertEquals(8, results(dir).size());
        assertEquals(17, summary(dir).get("calls_made").asInt());
    }

    @Test
    void aLocalModelAnswersDirectlyAndOnlyTheApiJudgeIsBatched() throws Exception {
        Path dir = tmp.resolve("batched");
        CliRun r = dro("eval", "--model", TestModels.scriptedChat().toString(), "--max-model-len", "12288",
                "--judge-model", "eval-judge-m", "--queries", queries.toString(), "--limit", "2", "--config-set",
                "none", "--config-set", "base", "--concurrency", "2", "--out-dir", dir.toString(), "--batch",
                "--batch-poll", "0");

        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("Hi", "Hi", "Hi", "Hi"), results(dir).stream().map(j -> j.get("answer").asText())
                .toList(), "the local model answered");
        // equal answers to a query share one judgement: one batch of 2 lines, nothing direct
        assertEquals(List.of("eval-judge-m 2"), server.batches().stream()
                .map(b -> b.bodies().get(0).get("model").asText() + " " + b.lines.size()).toList());
        assertEquals(List.of(), server.directChats());
        assertTrue(summary(dir).get("batched").asBoolean());
    }

    @Test
    void batchWithOnlyLocalModelsIsAClearError() {
        CliRun r = dro("eval", "--model", "m.gguf", "--judge-model", "j.gguf", "--batch", "--out-dir",
                tmp.resolve("x").toString());

        assertEquals(1, r.code(), r.err());
        assertEquals("dro: error: --batch sends the calls of API models as batch jobs, but every model of this run"
                + " is local (--model m.gguf, --judge-model j.gguf); leave --batch out", r.err().strip());
        assertEquals(List.of(), server.calls());
    }

    @Test
    void batchWithEndpointsIsAClearError() throws Exception {
        Path endpoints = Files.writeString(tmp.resolve("endpoints.json"), "[{\"base_url\": \"" + server.baseUrl()
                + "\"}]");
        CliRun r = dro("eval", "--model", "answerer-m", "--judge-model", "eval-judge-m", "--batch", "--endpoints",
                endpoints.toString(), "--out-dir", tmp.resolve("x").toString());

        assertEquals(1, r.code(), r.err());
        assertEquals("dro: error: --batch and --endpoints " + endpoints + " do not go together: batch jobs go to the"
                + " single endpoint of OPENAI_BASE_URL; leave one of them out", r.err().strip());
        assertEquals(List.of(), server.calls());
    }

    static List<JsonNode> results(Path dir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("results.jsonl"))) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
