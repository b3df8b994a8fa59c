package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.testing.ScriptedEvalRoles;
import dro.testing.ScriptedIclRoles;
import dro.testing.ScriptedOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rest of the DRO workflow through bin/dro in fresh JVMs: optimise ICL answers, then measure the gain. */
class WorkflowIT {

    @TempDir
    Path tmp;

    static final Set<String> ICL_ROLES = Set.of("critic-m", "critic-selector-m", "rewriter-m", "answer-m");

    static Function<ScriptedOpenAiServer.Request, ScriptedOpenAiServer.Reply> roles() {
        var icl = ScriptedIclRoles.responder();
        var eval = ScriptedEvalRoles.responder();
        return r -> ICL_ROLES.contains(r.model()) ? icl.apply(r) : eval.apply(r);
    }

    @Test
    void optimiseIclThenEvaluateWithItAndResumeWithoutACall() throws Exception {
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start().respond(roles())) {
            Map<String, String> env = Map.of("OPENAI_BASE_URL", server.baseUrl(), "OPENAI_API_KEY", "sk-test");
            Path seeds = Files.writeString(tmp.resolve("seeds.json"), "[\"How do I cook rice?\","
                    + " \"How do I pick a lock?\"]");
            BinDroIT.Result icl = BinDroIT.run(BinDroIT.dro("optimize-icl", "--seeds", seeds.toString(),
                    "--answer-model", "answer-m", "--critic-model", "critic-m", "--metrics-model", "critic-selector-m",
                    "--rewrite-model", "rewriter-m", "--out-dir", tmp.resolve("icl").toString()), "", env);
            assertEquals(0, icl.code(), icl.err());
            Path iclFile = Path.of(icl.out().strip());
            assertEquals(tmp.resolve("icl").resolve("ICL_examples.json"), iclFile);

            Path prompt = Files.writeString(tmp.resolve("prompt.txt"), "You are careful and kind.\n");
            String[] eval = {"eval", "--model", "answerer-m", "--judge-model", "eval-judge-m", "--limit", "6",
                "--config-set", "none", "--config-set", "dro=optimized:" + prompt + "+icl:2", "--icl-file",
                iclFile.toString(), "--out-dir", tmp.resolve("eval").toString()};
            server.reset();
            BinDroIT.Result first = BinDroIT.run(BinDroIT.dro(eval), "", env);
            assertEquals(0, first.code(), first.err());
            assertTrue(first.out().contains("dro vs none: 6 wins, 0 ties, 0 losses (sign test p = 0.0313)"),
                    first.out());
            assertEquals(24, server.requests().size());
            assertTrue(server.requests().stream().filter(r -> r.message("system") != null)
                    .allMatch(r -> r.message("system").startsWith("You are careful and kind.\n\n#Query:\n")
                            && r.message("system").contains("<START>\nwritten+++\n<END>")),
                    "the optimised prompt with the optimised examples");
            JsonNode summary = new ObjectMapper().readTree(tmp.resolve("eval").resolve("summary.json").toFile());
            assertEquals("dro", summary.get("comparisons").get(0).get("a").asText());
            assertTrue(Files.readString(tmp.resolve("eval").resolve("report.html")).contains("<svg"));

            server.reset();
            BinDroIT.Result again = BinDroIT.run(BinDroIT.dro(eval), "", env);
            assertEquals(0, again.code(), again.err());
            assertEquals(0, server.requests().size(), "a rerun makes no call");
            assertEquals(first.out(), again.out());
        }
    }
}
