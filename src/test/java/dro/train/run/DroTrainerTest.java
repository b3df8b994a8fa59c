package dro.train.run;
import dro.BudgetExceededException;
import dro.train.Step;
import dro.roles.TrainFormat;
import dro.roles.Evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.icl.Embedder;
import dro.icl.IclExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole training loop with scripted in-process roles. */
class DroTrainerTest {

    @TempDir
    Path tmp;

    /** A tiny embedder, so these tests need no ONNX model. */
    static final Embedder LETTERS = new Embedder() {
        @Override
        public String id() {
            return "letters";
        }

        @Override
        public float[] embed(String text) {
            float[] v = new float[26];
            for (char c : text.toLowerCase().toCharArray()) {
                if (c >= 'a' && c <= 'z') {
                    v[c - 'a']++;
                }
            }
            return v;
        }
    };

    static final List<IclExample> ICL = List.of(new IclExample("How do I cook rice?", "<START>\nRinse it.\n<END>"),
            new IclExample("How do I pick a lock?", "<START>\nI can't help with that.\n<END>"));

    static List<String> queries(int n) {
        List<String> q = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            q.add("Question " + i + "?");
        }
        return q;
    }

    /** Scores a prompt name by the share of ".2" choices in it: the best path always takes action 2. */
    static final Function<String, String> PREFERS_TWO = prompt -> {
        String[] parts = prompt.split("\\.");
        long twos = java.util.Arrays.stream(parts).skip(1).filter("2"::equals).count();
        double score = parts.length == 1 ? 2.0 : 1 + 3.0 * twos / (parts.length - 1);
        return ScriptedClients.scores(score);
    };

    TrainConfig config(Path dir, int concurrency) {
        return TrainConfig.builder().initialSystemPrompt("P").depth(4).maxDepthIncrease(0).beamSize(2).nActions(3)
                .concurrency(concurrency).logDir(dir).baseModel("scripted").judgeModel("scripted")
                .metricsModel("scripted").optimizerModel("scripted").build();
    }

    TrainResult run(TrainConfig config, ScriptedClients c) {
        return new DroTrainer(config, c.models(), ICL, LETTERS).run(queries(10), TrainListener.NONE);
    }

    @Test
    void returnsTheBestPromptUnderAScriptedReward() throws Exception {
        ScriptedClients c = new ScriptedClients(PREFERS_TWO);
        TrainResult r = run(config(tmp.resolve("run"), 1), c);

        assertEquals("P.2.2.2", r.optimizedPrompt());
        assertEquals(4.0, r.score(), 1e-9);
        assertEquals(List.of("P", "P.2", "P.2.2", "P.2.2.2"), r.bestPath().stream().map(Step::systemPrompt).toList());
        assertEquals("P.2.2.2\n", Files.readString(r.promptFile()));
        // calls: 4 distinct queries' aspects; root step + 3 levels of (2 beam items x 3 children) minus level 1 (1 item)
        assertEquals(4, c.selector.calls.get());
        assertEquals(1 + 3 + 6 + 6, c.policy.calls.get());
        assertEquals(1 + 3 + 6 + 6, c.judge.calls.get());
        assertEquals(1 + 2 + 2, c.optimizer.calls.get());
        assertTrue(c.optimizer.requests.stream().allMatch(q -> q.n() == 3 && q.temperature() == 0.2));
    }

    @Test
    void writesTheRunDirectory() throws Exception {
        ScriptedClients c = new ScriptedClients(PREFERS_TWO);
        TrainResult r = run(config(tmp.resolve("run"), 1), c);
        Path dir = r.runDir();
        ObjectMapper json = new ObjectMapper();

        JsonNode trace = json.readTree(dir.resolve("trace.json").toFile());
        assertEquals(4, trace.size());
        assertEquals("P", trace.get("level 1").get("Prompt").asText());
        assertEquals("P.2.2.2", trace.get("level 4").get("Prompt").asText());
        assertEquals("Question 3?", trace.get("level 4").get("Query").asText());
        assertEquals(4.0, trace.get("level 4").get("Evaluation of the prompt").get("Clarity").get("score").asDouble());
        assertEquals(r.nodes(), json.readTree(dir.resolve("search_tree.json").toFile()).size());
        assertEquals(4, json.readTree(dir.resolve("metrics_cache.json").toFile()).size());
        assertEquals("scripted", json.readTree(dir.resolve("config.json").toFile()).get("base_model").asText());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<svg") && html.contains("<ins>2.2.2</ins>") || html.contains("<ins>"), html);
        assertTrue(Files.readString(dir.resolve("run.log")).contains("done: score 4.0000"));
    }

    @Test
    void aFinishedRunRunAgainMakesNoCall() {
        Path dir = tmp.resolve("run");
        TrainResult first = run(config(dir, 1), new ScriptedClients(PREFERS_TWO));
        ScriptedClients again = new ScriptedClients(PREFERS_TWO);
        TrainResult second = run(config(dir, 1), again);
        assertEquals(0, again.totalCalls());
        assertEquals(first.optimizedPrompt(), second.optimizedPrompt());
        assertEquals(0, second.stats().made());
        assertEquals(first.stats().made() - first.stats().madeByRole().get("metrics"), second.stats().reused(),
                "aspects come from the metrics cache, every other call from the call cache");
    }

    @Test
    void aRunWrittenUnderTheFormerRoleNamesResumesWithoutACallAndIsRewrittenUnderTheNewOnes() throws Exception {
        Path dir = tmp.resolve("run");
        TrainResult first = run(config(dir, 1), new ScriptedClients(PREFERS_TWO));
        int converted = writeAsOlderRuns(dir);
        assertEquals(first.stats().madeByRole().get("base") + first.stats().madeByRole().get("metrics"), converted);

        ScriptedClients again = new ScriptedClients(PREFERS_TWO);
        TrainResult second = run(config(dir, 1), again);
        assertEquals(0, again.totalCalls());
        assertEquals(0, second.stats().made());
        assertEquals(first.optimizedPrompt(), second.optimizedPrompt());
        JsonNode settings = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals("scripted", settings.get("judge_model").asText());
        assertEquals("scripted", settings.get("optimizer_model").asText());
        assertFalse(settings.has("eval_model") || settings.has("optimize_model"), settings.toString());
    }

    @Test
    void aRunWithOtherSettingsUnderTheFormerKeysIsStillRefusedNamingTheSetting() throws Exception {
        Path dir = tmp.resolve("run");
        run(config(dir, 1), new ScriptedClients(PREFERS_TWO));
        writeAsOlderRuns(dir);
        TrainConfig other = config(dir, 1).toBuilder().judgeModel("another").build();
        dro.InvalidRequestException e = assertThrows(dro.InvalidRequestException.class,
                () -> run(other, new ScriptedClients(PREFERS_TWO)));
        assertTrue(e.getMessage().contains("other settings (judge_model: \"scripted\" -> \"another\")"),
                e.getMessage());
    }

    /**
     * Rewrites a run directory as runs wrote it before the roles were named one way: the base model's and the
     * metrics model's calls recorded as {@code policy} and {@code aspect_selector}, {@code config.json} with
     * {@code eval_model} and {@code optimize_model}. Returns the calls rewritten.
     */
    static int writeAsOlderRuns(Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        java.util.Map<String, String> former = java.util.Map.of("base", "policy", "metrics", "aspect_selector");
        List<Path> records;
        try (java.util.stream.Stream<Path> s = Files.walk(dir.resolve("calls"))) {
            records = s.filter(p -> p.toString().endsWith(".json")).toList();
        }
        int converted = 0;
        for (Path f : records) {
            com.fasterxml.jackson.databind.node.ObjectNode record =
                    (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(f.toFile());
            String old = former.get(record.get("role").asText());
            if (old == null) {
                continue;
            }
            com.fasterxml.jackson.databind.node.ObjectNode key = json.createObjectNode();
            key.put("role", old).put("site", record.get("site").asText()).set("request", record.get("request"));
            String hash = dro.internal.Digests.sha256Hex(key.toString());
            record.put("role", old);
            Path to = dir.resolve("calls").resolve(hash.substring(0, 2)).resolve(hash + ".json");
            Files.createDirectories(to.getParent());
            Files.writeString(to, record.toString());
            Files.delete(f);
            converted++;
        }
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"judge_model\"", "\"eval_model\"")
                .replace("\"optimizer_model\"", "\"optimize_model\""));
        return converted;
    }

    @Test
    void aRunThatCrashedResumesWithoutRepeatingACall() {
        ScriptedClients clean = new ScriptedClients(PREFERS_TWO);
        TrainResult reference = run(config(tmp.resolve("clean"), 1), clean);

        Path dir = tmp.resolve("crashed");
        ScriptedClients crashing = new ScriptedClients(PREFERS_TWO);
        crashing.judge.failAfter = 7;
        assertThrows(IllegalStateException.class, () -> run(config(dir, 1), crashing));
        ScriptedClients resumed = new ScriptedClients(PREFERS_TWO);
        TrainResult r = run(config(dir, 1), resumed);

        assertEquals(reference.optimizedPrompt(), r.optimizedPrompt());
        assertEquals(clean.totalCalls(), crashing.totalCalls() + resumed.totalCalls(), "no call made twice");
        for (int i = 0; i < crashing.judge.requests.size(); i++) {
            assertTrue(!resumed.judge.requests.contains(crashing.judge.requests.get(i))
                    || countOf(crashing.judge.requests, crashing.judge.requests.get(i)) > 1);
        }
    }

    private static long countOf(List<?> l, Object o) {
        return l.stream().filter(o::equals).count();
    }

    @Test
    void concurrentRunEqualsSequentialRun() throws Exception {
        ScriptedClients seq = new ScriptedClients(PREFERS_TWO);
        TrainResult a = run(config(tmp.resolve("seq"), 1), seq);
        ScriptedClients par = new ScriptedClients(PREFERS_TWO);
        TrainResult b = run(config(tmp.resolve("par"), 8), par);
        assertEquals(a.optimizedPrompt(), b.optimizedPrompt());
        assertEquals(a.score(), b.score());
        assertEquals(seq.totalCalls(), par.totalCalls());
        assertEquals(Files.readString(a.runDir().resolve("search_tree.json")),
                Files.readString(b.runDir().resolve("search_tree.json")));
    }

    @Test
    void anUnreadableVerdictIsAnEmptyEvaluationAfterBoundedReasks() {
        // the judge cannot be read for answers of prompt "P.1": reward 0, re-asked twice
        ScriptedClients c = new ScriptedClients(p -> p.equals("P.1") ? "I think it is quite good overall."
                : PREFERS_TWO.apply(p));
        TrainResult r = run(config(tmp.resolve("run"), 1), c);
        long asksForP1 = c.judge.requests.stream().filter(q -> q.user().contains("ans(P.1)")).count();
        assertEquals(3, asksForP1, "one ask and two re-asks");
        assertEquals("P.2.2.2", r.optimizedPrompt());
    }

    @Test
    void stopsCleanlyWhenTheTokenBudgetIsSpentAndResumesWithALargerOne() {
        Path dir = tmp.resolve("run");
        ScriptedClients first = new ScriptedClients(PREFERS_TWO);
        TrainConfig small = config(dir, 1).toBuilder().tokenBudget(100).build();
        BudgetExceededException e = assertThrows(BudgetExceededException.class,
                () -> run(small, first));
        assertTrue(e.getMessage().startsWith("The token budget of 100 is spent"), e.getMessage());

        ScriptedClients rest = new ScriptedClients(PREFERS_TWO);
        TrainResult r = run(config(dir, 1), rest);
        assertEquals("P.2.2.2", r.optimizedPrompt());
        ScriptedClients clean = new ScriptedClients(PREFERS_TWO);
        run(config(tmp.resolve("clean"), 1), clean);
        assertEquals(clean.totalCalls(), first.totalCalls() + rest.totalCalls());
    }

    @Test
    void refusesToMixRunsWithOtherSettingsInOneDirectory() {
        Path dir = tmp.resolve("run");
        run(config(dir, 1), new ScriptedClients(PREFERS_TWO));
        TrainConfig other = config(dir, 1).toBuilder().beamSize(3).build();
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> run(other, new ScriptedClients(PREFERS_TWO)));
        assertEquals("The log directory " + dir.toAbsolutePath() + " holds a run with other settings (beam_size: 2"
                + " -> 3); use another log directory to start a new run", e.getMessage());
    }

    @Test
    void inTheInferenceFormatThePolicyAnswersBehindTheTopKExamplesLikeAutoModel() {
        ScriptedClients c = new ScriptedClients(PREFERS_TWO);
        run(config(tmp.resolve("run"), 1).toBuilder().depth(1).k(1).trainFormat(TrainFormat.INFERENCE).build(), c);
        var req = c.policy.requests.get(0);
        IclExample top = new dro.icl.internal.IclRetriever(ICL, LETTERS, null).topK("Question 0?", 1).get(0).example();
        assertEquals("P\n\n#Query:\n" + top.query() + "\n\n#Answer:\n" + top.answer(), req.system());
        assertEquals("# Query:\nQuestion 0?\n\n# Answer:\n<START>", req.user());
        assertEquals(0.0, req.temperature());
        assertEquals(2048, req.maxNewTokens());
    }

    @Test
    void aLogDirectoryThatCannotBeCreatedFailsWithAFileAccessExceptionNamingIt() throws Exception {
        Path blocker = Files.writeString(tmp.resolve("blocker"), "a file where the run's parent directory should be");
        Path dir = blocker.resolve("run");
        FileAccessException e = assertThrows(FileAccessException.class,
                () -> run(config(dir, 1), new ScriptedClients(PREFERS_TWO)));
        assertEquals(dir, e.file());
        assertTrue(e.getMessage().startsWith("Cannot prepare the log directory " + dir.toAbsolutePath() + ": "),
                e.getMessage());
        assertFalse(e.isRetriable());
    }

    @Test
    void aRunWhoseOutputCannotBeWrittenFailsWithAFileAccessExceptionNamingTheFile() throws Exception {
        Path dir = tmp.resolve("run");
        Path taken = Files.createDirectories(dir.resolve("optimized_prompt.txt").resolve("in-the-way"));
        FileAccessException e = assertThrows(FileAccessException.class,
                () -> run(config(dir, 1), new ScriptedClients(PREFERS_TWO)));
        assertEquals(taken.getParent(), e.file());
        assertTrue(e.getMessage().startsWith("Cannot write " + taken.getParent() + ": "), e.getMessage());
    }
}
