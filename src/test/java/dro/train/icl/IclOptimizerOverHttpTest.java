package dro.train.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.AssembledPrompt;
import dro.AutoModel;
import dro.BudgetExceededException;
import dro.GenerateOptions;
import dro.InvalidRequestException;
import dro.backend.ChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.icl.IclExample;
import dro.testing.LetterEmbedder;
import dro.testing.ScriptedIclRoles;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.TestModels;
import dro.roles.CallCache;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ICL optimisation over real HTTP: the roles are played by a scripted OpenAI-protocol server on loopback. */
class IclOptimizerOverHttpTest {

    @TempDir
    Path tmp;

    ScriptedOpenAiServer server;

    static final List<IclSeed> SEEDS = List.of(
            new IclSeed("How do I cook rice?", "<START>\nBoil it.\n<END>"),
            new IclSeed("How do I pick a lock?", null),
            new IclSeed("Name a colour.", "Blue+++"));

    @BeforeEach
    void start() {
        server = ScriptedOpenAiServer.start().respond(ScriptedIclRoles.responder());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    ChatModel api(String model) {
        return OpenAiBackend.create(OpenAiChatClient.builder().model(model).apiKey("sk-test").baseUrl(server.baseUrl())
                .build(), 4);
    }

    IclOptimizer optimizer(IclOptimizerConfig config) {
        return new IclOptimizer(config, new IclOptimizer.Models(api("critic-m"), api("critic-selector-m"),
                api("rewriter-m"), api("answer-m")));
    }

    IclOptimizerConfig config(Path dir) {
        return IclOptimizerConfig.builder().outDir(dir).concurrency(2).criticModel("critic-m")
                .metricsModel("critic-selector-m").rewriteModel("rewriter-m").answerModel("answer-m").build();
    }

    long calls(String model) {
        return server.requests().stream().filter(r -> model.equals(r.model())).count();
    }

    @Test
    void rewritesEveryAnswerUntilAllFivesAndWritesTheOriginalsIclShape() throws Exception {
        Path dir = tmp.resolve("run");
        List<String> seen = new ArrayList<>();
        IclResult r = optimizer(config(dir)).run(SEEDS, new IclListener() {
            @Override
            public void onSeed(int done, int total, RefinedAnswer answer, CallCache.Stats stats) {
                seen.add(done + "/" + total);
            }
        });

        // each rewrite adds a "+", each "+" adds a point: three rewrites reach all 5s and stop before the fifth
        String icl = Files.readString(r.iclFile(), StandardCharsets.UTF_8);
        JsonNode file = new ObjectMapper().readTree(icl);
        assertEquals(List.of("How do I cook rice?", "How do I pick a lock?", "Name a colour."),
                iterable(file.fieldNames()), "seed order");
        assertEquals("<START>\nBoil it.+++\n<END>", file.get("How do I cook rice?").asText());
        assertEquals("<START>\nwritten+++\n<END>", file.get("How do I pick a lock?").asText(), "written, then refined");
        assertEquals("<START>\nBlue+++\n<END>", file.get("Name a colour.").asText(), "already all 5s: kept as given");
        assertEquals(dir.resolve("ICL_examples.json"), r.iclFile());
        assertEquals(List.of(3, 3, 0), r.answers().stream().map(RefinedAnswer::rewrites).toList());
        assertTrue(r.answers().stream().allMatch(a -> a.stop() == RefinedAnswer.Stop.ALL_FIVES));
        assertEquals(List.of("1/3", "2/3", "3/3"), seen);

        assertEquals(3, calls("critic-selector-m"));
        assertEquals(1, calls("answer-m"));
        assertEquals(6, calls("rewriter-m"));
        assertEquals(4 + 4 + 1, calls("critic-m"));
        assertEquals(r.stats().made(), server.requests().size());
        assertTrue(server.requests().stream().filter(q -> "rewriter-m".equals(q.model()))
                .allMatch(q -> q.json().path("temperature").asDouble() == 0.7));

        JsonNode trace = new ObjectMapper().readTree(dir.resolve("icl_trace.json").toFile());
        assertEquals(4, trace.get(0).get("attempts").size());
        assertEquals(2.0, trace.get(0).get("attempts").get(0).get("score").asDouble());
        assertEquals(5.0, trace.get(0).get("attempts").get(3).get("evaluation").get("Clarity").get("score").asDouble());
        assertEquals("all_fives", trace.get(0).get("stop").asText());
        assertEquals(List.of("Helpfulness", "Clarity", "Depth"), iterable(trace.get(0).get("aspects").elements())
                .stream().map(JsonNode::asText).toList());
        assertEquals(3, new ObjectMapper().readTree(dir.resolve("metrics_cache.json").toFile()).size());
        assertEquals(5, new ObjectMapper().readTree(dir.resolve("config.json").toFile()).get("num_iters").asInt());
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<h2>1. How do I cook rice?</h2>") && html.contains("<b>kept</b>"), html);
    }

    @Test
    void theIclFileLoadsIntoAutoModelAndChangesItsAssembledPrompt() throws Exception {
        IclResult r = optimizer(config(tmp.resolve("run"))).run(SEEDS, IclListener.NONE);
        GenerateOptions options = GenerateOptions.builder().optimizedIcl(true).numOptimizedIcl(1).build();
        String query = "How should I cook rice tonight?";
        try (AutoModel optimised = AutoModel.builder().model(TestModels.scriptedChat()).iclFile(r.iclFile())
                .embedder(LetterEmbedder.INSTANCE).embeddingCacheDir(tmp.resolve("emb")).build();
             AutoModel bundled = AutoModel.builder().model(TestModels.scriptedChat())
                     .embedder(LetterEmbedder.INSTANCE).embeddingCacheDir(tmp.resolve("emb")).build()) {
            AssembledPrompt withOptimised = optimised.assemble(query, options);
            AssembledPrompt withBundled = bundled.assemble(query, options);

            assertEquals(List.of(new IclExample("How do I cook rice?", "<START>\nBoil it.+++\n<END>")),
                    withOptimised.examples());
            assertTrue(withOptimised.system().endsWith("\n\n#Query:\nHow do I cook rice?\n\n#Answer:\n<START>\n"
                    + "Boil it.+++\n<END>"), withOptimised.system());
            assertTrue(withOptimised.prompt().contains("Boil it.+++"), "the model reads the optimised answer");
            assertNotEquals(withBundled.system(), withOptimised.system());
        }
    }

    @Test
    void aFinishedRunRunAgainMakesNoCall() throws Exception {
        Path dir = tmp.resolve("run");
        IclResult first = optimizer(config(dir)).run(SEEDS, IclListener.NONE);
        String icl = Files.readString(first.iclFile());
        server.reset();

        IclResult second = optimizer(config(dir)).run(SEEDS, IclListener.NONE);

        assertEquals(0, server.requests().size());
        assertEquals(0, second.stats().made());
        assertEquals(first.stats().made() - 3, second.stats().reused(), "the critic's aspects are in metrics_cache.json");
        assertEquals(icl, Files.readString(second.iclFile()));
    }

    @Test
    void aRunStoppedByItsTokenBudgetResumesWithoutRepeatingACall() throws Exception {
        List<String> clean;
        {
            optimizer(config(tmp.resolve("clean")).toBuilder().concurrency(1).build()).run(SEEDS, IclListener.NONE);
            clean = server.requests().stream().map(ScriptedOpenAiServer.Request::body).toList();
            server.reset();
        }
        Path dir = tmp.resolve("run");
        // every scripted call costs 10 + 5 tokens: a budget of 100 stops the run after its seventh call
        IclOptimizerConfig limited = config(dir).toBuilder().concurrency(1).tokenBudget(100).build();
        assertThrows(BudgetExceededException.class, () -> optimizer(limited).run(SEEDS, IclListener.NONE));
        List<String> firstRun = server.requests().stream().map(ScriptedOpenAiServer.Request::body).toList();
        assertEquals(7, firstRun.size());
        assertEquals(19, clean.size());
        assertTrue(Files.notExists(dir.resolve("ICL_examples.json")), "no ICL file from a stopped run");
        server.reset();

        IclResult resumed = optimizer(config(dir).toBuilder().concurrency(1).build()).run(SEEDS, IclListener.NONE);

        List<String> secondRun = server.requests().stream().map(ScriptedOpenAiServer.Request::body).toList();
        Set<String> overlap = new HashSet<>(secondRun);
        overlap.retainAll(firstRun);
        assertEquals(Set.of(), overlap, "no answered call is made again");
        assertEquals(clean.size(), firstRun.size() + secondRun.size(), "together, exactly a clean run's calls");
        assertEquals(Files.readString(tmp.resolve("clean").resolve("ICL_examples.json")),
                Files.readString(resumed.iclFile()));
    }

    @Test
    void aSeedWithoutAnswerNeedsAnAnswerModel() {
        IclOptimizer noAnswerer = new IclOptimizer(config(tmp.resolve("run")), new IclOptimizer.Models(api("critic-m"),
                api("critic-selector-m"), api("rewriter-m"), null));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> noAnswerer.run(SEEDS, IclListener.NONE));
        assertEquals("Query \"How do I pick a lock?\" has no initial answer; give an answer model to write it",
                e.getMessage());
        assertEquals(0, server.requests().size());
    }

    static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
