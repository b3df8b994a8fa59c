package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.roles.Role;
import dro.icl.IclExamples;
import dro.testing.ChildJvm;
import dro.testing.ScriptedDroRoles;
import dro.testing.ScriptedOpenAiServer;
import dro.train.run.DroTrainer;
import dro.train.run.TrainConfig;
import dro.train.run.TrainingQueries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/dro train --base-model M} with every other setting at its default, in a fresh JVM whose working
 * directory is a temporary one (the default run directory is {@code runs/<model>} there). The API endpoint is a
 * loopback server that plays every role: {@code policy-m} is the base model, and the default judge, aspect selector
 * and optimiser ({@code gpt-4-0125-preview}) are told apart by their prompts.
 */
class TrainOnDefaultsTest {

    @TempDir
    Path tmp;

    /** Questions are easy (all 5s: no optimisation, the depth may grow); everything else scores 3. */
    static double score(String query) {
        return query.strip().endsWith("?") ? 5.0 : 3.0;
    }

    @Test
    void trainWithOnlyTheBaseModelRunsTheDefaultSearchOverTheBundledPoolsToTheEnd() throws Exception {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        Function<String, Double> judge = TrainOnDefaultsTest::score;
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()
                .respond(ScriptedDroRoles.oneApiModel("policy-m", judge, calls))) {
            Map<String, String> env = Map.of("OPENAI_BASE_URL", server.baseUrl(), "OPENAI_API_KEY", "sk-test");

            ChildJvm.Result r = ChildJvm.runIn(tmp, Main.class, env, "train", "--base-model", "policy-m");

            assertEquals(0, r.code(), r.err());
            Path run = tmp.resolve("runs").resolve("policy-m");
            assertEquals(Path.of("runs", "policy-m", "optimized_prompt.txt").toString(), r.out().strip());
            assertTrue(Files.isRegularFile(run.resolve("optimized_prompt.txt")));
            assertTrue(r.err().contains("dro: done: best path score"), r.err());

            ObjectMapper json = new ObjectMapper();
            JsonNode result = json.readTree(run.resolve("result.json").toFile());
            JsonNode settings = result.get("settings");
            assertEquals(2, settings.get("beam_size").asInt());
            assertEquals(3, settings.get("n_actions").asInt());
            assertEquals(20, settings.get("depth").asInt());
            assertEquals(10, settings.get("max_depth_increase").asInt());
            assertEquals(180, settings.get("num_training_examples").asInt());
            assertEquals(2, settings.get("k").asInt());
            assertTrue(settings.get("ret_icl").asBoolean());
            assertEquals("gpt-4-0125-preview", settings.get("judge_model").asText());
            assertFalse(settings.has("queries"), "no --queries: drawn from the pools");

            // The search as the rules say: a level whose last query was a question needs no optimisation (one child
            // per beam item) and extends the depth, at most 10 times; other levels ask the optimiser once per beam
            // item for 3 children. The paths end at the depth limit.
            TrainConfig defaults = TrainConfig.builder().logDir(run).build();
            List<String> drawn = TrainingQueries.sample(TrainingQueries.bundled(), 180, 42);
            int limit = 20;
            int extensions = 0;
            int items = 1;
            int optimizer = 0;
            int base = 1;
            for (int length = 1; length < limit; length++) {
                boolean easy = score(drawn.get(length - 1)) == 5.0;
                int children = easy ? items : items * 3;
                optimizer += easy ? 0 : items;
                base += children;
                items = Math.min(2, children);
                if (easy && extensions < 10) {
                    limit++;
                    extensions++;
                }
            }
            assertTrue(limit >= 20 && limit <= 30);
            JsonNode trace = json.readTree(run.resolve("trace.json").toFile());
            assertEquals(limit, trace.size(), "the best path runs to the depth limit");
            assertEquals(limit, result.get("depth_limit").asInt());
            List<String> used = new ArrayList<>();
            for (int i = 1; i <= trace.size(); i++) {
                used.add(trace.get("level " + i).get("Query").asText());
            }
            assertEquals(drawn.subList(0, limit), used, "step i uses the i-th of the 180 drawn queries");

            Map<String, Integer> expected = new TreeMap<>(Map.of("base", base, "judge", base, "metrics", limit,
                    "optimizer", optimizer));
            Map<String, Integer> seen = new TreeMap<>();
            calls.forEach((role, n) -> seen.put(role, n.get()));
            assertEquals(expected, seen);
            assertEquals(result.get("calls_made").asInt(), base * 2 + limit + optimizer);
            JsonNode usage = result.get("usage_by_model");
            assertEquals(base, usage.get("policy-m").get("calls").asInt(), "the base model's calls");
            assertEquals(base + limit + optimizer, usage.get("gpt-4-0125-preview").get("calls").asInt(),
                    "judge, aspect selector and optimiser share the default API model");
            assertEquals(result.get("prompt_tokens").asLong(), usage.get("policy-m").get("prompt_tokens").asLong()
                    + usage.get("gpt-4-0125-preview").get("prompt_tokens").asLong());

            // and within the bound that --estimate gives for the same settings
            RunEstimate bound = RunEstimate.of(defaults, DroTrainer.queriesFor(defaults, TrainingQueries.bundled()),
                    IclExamples.bundled());
            assertEquals(drawn, DroTrainer.queriesFor(defaults, TrainingQueries.bundled()));
            assertTrue(base <= bound.role(Role.BASE).calls());
            assertTrue(optimizer <= bound.role(Role.OPTIMIZER).calls());
            assertTrue(limit <= bound.role(Role.METRICS).calls());
            // the requests stay within the caps the estimate assumes, and their texts within its token bound
            RunEstimate.Assumptions caps = RunEstimate.Assumptions.DEFAULT;
            Map<Role, Long> promptTokens = new TreeMap<>();
            for (ScriptedOpenAiServer.Request q : server.requests()) {
                String user = String.valueOf(q.message("user"));
                Role role = "policy-m".equals(q.model()) ? Role.BASE
                        : user.contains("\"selected_aspects\"") ? Role.METRICS
                        : user.contains("\"new_system_prompt\"") ? Role.OPTIMIZER : Role.JUDGE;
                int cap = switch (role) {
                    case BASE -> caps.baseMaxTokens();
                    case JUDGE -> caps.judgeMaxTokens();
                    case METRICS -> caps.metricsMaxTokens();
                    case OPTIMIZER -> caps.optimizerMaxTokens();
                };
                assertTrue(q.maxTokens() <= cap, role + " asked for " + q.maxTokens() + " tokens");
                assertTrue(q.n() <= (role == Role.OPTIMIZER ? 3 : 1), role + " n=" + q.n());
                String text = (q.message("system") == null ? "" : q.message("system")) + user;
                promptTokens.merge(role, caps.tokens(text) + caps.overheadTokensPerCall(), Long::sum);
            }
            promptTokens.forEach((role, tokens) -> assertTrue(tokens <= bound.role(role).promptTokens(),
                    role + ": " + tokens + " > " + bound.role(role)));
        }
    }

    @Test
    void estimateCallsNoModelAndWritesNothing() throws Exception {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()
                .respond(ScriptedDroRoles.oneApiModel("policy-m", q -> 3.0, calls))) {
            Map<String, String> env = Map.of("OPENAI_BASE_URL", server.baseUrl(), "OPENAI_API_KEY", "sk-test");

            ChildJvm.Result r = ChildJvm.runIn(tmp, Main.class, env, "train", "--base-model", "policy-m",
                    "--estimate", "--price", "base=0.1/0.2", "--price", "judge=10/30", "--price", "metrics=10/30",
                    "--price", "optimizer=10/30");

            assertEquals(0, r.code(), r.err());
            assertEquals(List.of(), server.requests(), "no call");
            assertFalse(Files.exists(tmp.resolve("runs")), "no run directory");
            String out = r.out();
            assertTrue(out.contains("beam 2, 3 actions, depth 20 + up to 10 extensions: at most 30 steps per path"
                    + " (180 training queries), 29 levels after the initial step"), out);
            assertTrue(out.matches("(?s).*\\n  base +policy-m +172 +172 .*"), out);
            assertTrue(out.matches("(?s).*\\n  judge +gpt-4-0125-preview +172 +516 .*"), out);
            assertTrue(out.matches("(?s).*\\n  metrics +gpt-4-0125-preview +30 +90 .*"), out);
            assertTrue(out.matches("(?s).*\\n  optimizer +gpt-4-0125-preview +57 +171 .*"), out);
            assertTrue(out.matches("(?s).*\\n  total +431 +949 .*"), out);
            assertTrue(out.contains("Assumptions:"), out);
        }
    }

    @Test
    void aBadPriceIsNamedAndAPriceNeedsTheEstimate() {
        CliRun bad = CliRun.dro("train", "--base-model", "policy-m", "--estimate", "--price", "judge=ten/30");
        assertEquals(1, bad.code());
        assertEquals("dro: error: --price must be ROLE=IN/OUT, with ROLE one of base, judge, metrics, optimizer and IN,"
                + " OUT the USD per million input and output tokens (e.g. judge=10/30), but was \"judge=ten/30\"",
                bad.err().strip());
        CliRun alone = CliRun.dro("train", "--base-model", "policy-m", "--price", "judge=1/2");
        assertEquals(1, alone.code());
        assertEquals("dro: error: --price is for --estimate; add --estimate to see the cost", alone.err().strip());
    }

    @Test
    void helpListsTheEstimateAndThePrice() {
        CliRun r = CliRun.dro("train", "--help");
        assertEquals(0, r.code());
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("--estimate Print an upper bound of the run's calls and tokens per role"), help);
        assertTrue(help.contains("--price=ROLE=IN/OUT With --estimate: USD per million input and output tokens for a"
                + " role (base, judge, metrics or optimizer), e.g. judge=10/30."), help);
        assertTrue(help.contains("88 instructions, 53 open questions and 42 harmful requests"), help);
    }

    @Test
    void theEstimateAndItsPricesMayComeFromTheConfigFile() throws Exception {
        Path config = Files.writeString(tmp.resolve("c.json"), "{\"estimate\": true, \"depth\": 2,"
                + " \"max_depth_increase\": 0, \"price\": [\"judge=1000000/0\", \"metrics=0/0\"]}");
        CliRun r = CliRun.dro("train", "--config", config.toString(), "--base-model", "policy-m", "--beam-size", "1",
                "--n-actions", "1", "--max-reasks", "0");
        assertEquals(0, r.code(), r.err());
        // 2 steps: base + judge twice, one optimiser call, aspects of 2 queries
        assertTrue(r.out().matches("(?s).*\\n  judge +gpt-4-0125-preview +2 +2 .*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  total +7 +7 .*"), r.out());
        assertTrue(r.out().matches("(?s).*\\n  metrics +gpt-4-0125-preview +2 +2 +\\d+ +4096 +0\\.00\\n.*"), r.out());
    }
}
