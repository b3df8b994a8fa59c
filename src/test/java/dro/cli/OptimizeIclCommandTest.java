package dro.cli;

import static dro.cli.CliRun.dro;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.testing.ScriptedIclRoles;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dro optimize-icl} in-process, its models served by a scripted loopback server. */
class OptimizeIclCommandTest {

    @TempDir
    Path tmp;

    LoopbackApiModels api;
    ScriptedOpenAiServer server;

    @BeforeEach
    void start() {
        api = new LoopbackApiModels(ScriptedIclRoles.responder());
        server = api.server;
    }

    @AfterEach
    void stop() {
        api.close();
    }

    Path seeds() throws Exception {
        return Files.writeString(tmp.resolve("seeds.json"), "{\"How do I cook rice?\": \"<START>\\nBoil it.\\n<END>\","
                + " \"How do I pick a lock?\": null}");
    }

    String[] args(Path dir) throws Exception {
        return new String[] {"optimize-icl", "--seeds", seeds().toString(), "--answer-model", "answer-m",
            "--critic-model", "critic-m", "--metrics-model", "critic-selector-m", "--rewrite-model", "rewriter-m",
            "--out-dir", dir.toString(), "--concurrency", "1"};
    }

    @Test
    void optimisesTheSeedsAndPrintsTheIclFileWhichGenerateTakes() throws Exception {
        Path dir = tmp.resolve("run");
        CliRun r = dro(args(dir));

        assertEquals(0, r.code(), r.err());
        Path icl = dir.resolve("ICL_examples.json");
        assertEquals(icl + System.lineSeparator(), r.out());
        JsonNode file = new ObjectMapper().readTree(icl.toFile());
        assertEquals("<START>\nBoil it.+++\n<END>", file.get("How do I cook rice?").asText());
        assertEquals("<START>\nwritten+++\n<END>", file.get("How do I pick a lock?").asText());
        assertTrue(r.err().contains("seed 1/2 | score 2.00 -> 5.00 after 3 rewrite(s), all 5s | calls 8 (+0 cached)"),
                r.err());
        assertTrue(r.err().contains("dro: done: 2 examples, mean score 2.000 -> 5.000; 17 calls made, 0 reused;"
                + " report: " + dir.resolve("report.html")), r.err());

        CliRun gen = dro("generate", "--model", TestModels.scriptedChat().toString(), "--max-model-len", "12288",
                "--icl-file", icl.toString(), "--num-icl", "2", "--dry-run", "How should I cook rice?");
        assertEquals(0, gen.code(), gen.err());
        String system = new ObjectMapper().readTree(gen.out()).get("system").asText();
        assertTrue(system.contains("#Query:\nHow do I cook rice?\n\n#Answer:\n<START>\nBoil it.+++\n<END>"), system);
        assertTrue(system.contains("#Query:\nHow do I pick a lock?\n\n#Answer:\n<START>\nwritten+++\n<END>"), system);
    }

    @Test
    void settingsComeFromAConfigFile() throws Exception {
        Path dir = tmp.resolve("run");
        Path config = Files.writeString(tmp.resolve("c.json"), "{\"answer_model\": \"answer-m\", \"critic-model\":"
                + " \"critic-m\", \"metrics_model\": \"critic-selector-m\", \"rewrite_model\": \"rewriter-m\","
                + " \"num_iters\": 1, \"concurrency\": 1}");

        CliRun r = dro("optimize-icl", "--config", config.toString(), "--seeds", seeds().toString(), "--out-dir",
                dir.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals(1, new ObjectMapper().readTree(dir.resolve("config.json").toFile()).get("num_iters").asInt(),
                "num_iters from the file");
    }

    @Test
    void aRerunMakesNoCallAndAWrittenOutputGoesWhereAsked() throws Exception {
        Path dir = tmp.resolve("run");
        assertEquals(0, dro(args(dir)).code());
        int firstRun = server.requests().size();
        com.fasterxml.jackson.databind.JsonNode usage = new ObjectMapper().readTree(dir.resolve("result.json")
                .toFile()).get("usage_by_model");
        long counted = 0;
        for (com.fasterxml.jackson.databind.JsonNode m : usage) {
            counted += m.get("calls").asLong();
            assertEquals(10 * m.get("calls").asLong(), m.get("prompt_tokens").asLong(), "10 prompt tokens a call");
        }
        assertEquals(firstRun, counted, "usage_by_model counts every request the server answered");
        server.reset();
        Path elsewhere = tmp.resolve("out").resolve("icl.json");
        String[] again = java.util.stream.Stream.concat(java.util.Arrays.stream(args(dir)),
                java.util.stream.Stream.of("--output", elsewhere.toString())).toArray(String[]::new);

        CliRun r = dro(again);

        assertEquals(0, r.code(), r.err());
        assertEquals(0, server.requests().size());
        assertEquals(elsewhere + System.lineSeparator(), r.out());
        assertEquals(Files.readString(dir.resolve("ICL_examples.json")), Files.readString(elsewhere));
        assertTrue(r.err().contains("0 calls made, 15 reused"), r.err());
    }

    @Test
    void aSpentTokenBudgetExitsWithCodeThree() throws Exception {
        String[] limited = java.util.stream.Stream.concat(java.util.Arrays.stream(args(tmp.resolve("run"))),
                java.util.stream.Stream.of("--token-budget", "30")).toArray(String[]::new);
        CliRun r = dro(limited);
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().startsWith("dro: The token budget of 30 is spent (30 tokens in 2 calls)"), r.err());
    }

    @Test
    void badSettingsAreNamed() throws Exception {
        CliRun noAnswerModel = dro("optimize-icl", "--seeds", seeds().toString(), "--critic-model", "critic-m",
                "--metrics-model", "critic-selector-m", "--rewrite-model", "rewriter-m", "--out-dir",
                tmp.resolve("run").toString());
        assertEquals(1, noAnswerModel.code());
        assertEquals("dro: error: Query \"How do I pick a lock?\" has no initial answer; give an answer model to write"
                + " it", noAnswerModel.err().strip());

        CliRun iters = dro("optimize-icl", "--num-iters", "-1", "--out-dir", tmp.resolve("run").toString());
        assertEquals("dro: error: numIters must be between 0 and 1000, but was -1", iters.err().strip());

        Path bad = Files.writeString(tmp.resolve("bad.json"), "\"just a string\"");
        CliRun seeds = dro("optimize-icl", "--seeds", bad.toString());
        assertEquals("dro: error: Seed file " + bad.toAbsolutePath() + " must hold a JSON object mapping each query"
                + " to its answer, or a JSON array of queries, but holds a JSON STRING", seeds.err().strip());
        assertEquals(0, server.requests().size());
    }
}
