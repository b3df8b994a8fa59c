package dro.train.run;
import dro.roles.TrainFormat;
import dro.roles.internal.LlmRoles;
import dro.roles.internal.AspectCache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.backend.ChatModelRequest;
import dro.backend.ResponseFormat;
import dro.icl.IclExample;
import dro.icl.internal.IclRetriever;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The requests each role gets during training: the original's formats and sampling settings (reference section 4). */
class TrainingRequestsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> STOPS = List.of("<END>", "<END", "<|eot_id|>");

    @TempDir
    Path tmp;

    TrainConfig.Builder config(String dir) {
        return TrainConfig.builder().initialSystemPrompt("P").depth(3).maxDepthIncrease(0).beamSize(2).nActions(3)
                .concurrency(1).logDir(tmp.resolve(dir));
    }

    TrainResult run(TrainConfig config, DroTrainer.Models models, List<String> queries) {
        return new DroTrainer(config, models, DroTrainerTest.ICL, DroTrainerTest.LETTERS).run(queries,
                TrainListener.NONE);
    }

    static String selection(String... aspects) {
        return "{\"query_analysis\": {\"main_topic\": \"t\"}, \"aspects_selection\": {\"reasoning\": \"r\","
                + " \"selected_aspects\": [\"" + String.join("\", \"", aspects) + "\"]}}";
    }

    @Test
    void byDefaultTheBaseModelIsPromptedInTheOriginalsTrainingForm() throws Exception {
        ScriptedClients c = new ScriptedClients(DroTrainerTest.PREFERS_TWO);
        TrainResult r = run(config("run").depth(1).build(), c.models(), List.of("Question 0?"));

        ChatModelRequest req = c.policy.requests.get(0);
        List<IclExample> top = new IclRetriever(DroTrainerTest.ICL, DroTrainerTest.LETTERS, null).topK("Question 0?", 2)
                .stream().map(IclRetriever.Scored::example).toList();
        String icl = "# Query:\n" + top.get(0).query() + "\n\n#Answer:\n" + top.get(0).answer()
                + "\n\n#Query:\n" + top.get(1).query() + "\n\n#Answer:\n" + top.get(1).answer();
        assertEquals("# instructions\n\nP\n\n" + icl + "\n\n", req.system());
        assertEquals("# Query:\nQuestion 0?\n\n# Answer:\n<START>", req.user());
        assertEquals(0.0, req.temperature());
        assertEquals(1.0, req.topP());
        assertEquals(2048, req.maxNewTokens());
        assertEquals(1, req.n());
        assertEquals(STOPS, req.stop());
        assertEquals(814367319L, req.seed(), "Seeds.derive(42, \"policy\", \"\"), computed independently");
        assertFalse(req.rawPrompt(), "a client that takes no raw prompt gets the system and user messages");
        assertFalse(req.responseFormat().equals(ResponseFormat.JSON_OBJECT));

        JsonNode trace = JSON.readTree(r.runDir().resolve("trace.json").toFile());
        assertEquals(icl, trace.get("level 1").get("ICL").asText(), "the trace records the examples as sent");
        assertEquals("original", JSON.readTree(r.runDir().resolve("config.json").toFile()).get("train_format").asText());
        assertEquals("original", JSON.readTree(r.runDir().resolve("result.json").toFile()).get("train_format").asText());
    }

    @Test
    void theInferenceFormatIsRecordedInConfigAndResult() throws Exception {
        ScriptedClients c = new ScriptedClients(DroTrainerTest.PREFERS_TWO);
        TrainResult r = run(config("run").depth(1).k(1).trainFormat(TrainFormat.INFERENCE).build(), c.models(),
                List.of("How do I cook rice?"));

        assertEquals("P\n\n#Query:\nHow do I cook rice?\n\n#Answer:\n<START>\nRinse it.\n<END>",
                c.policy.requests.get(0).system());
        assertEquals("inference", JSON.readTree(r.runDir().resolve("config.json").toFile()).get("train_format")
                .asText());
        JsonNode result = JSON.readTree(r.runDir().resolve("result.json").toFile());
        assertEquals("inference", result.get("train_format").asText());
        assertEquals("inference", result.get("settings").get("train_format").asText());
        JsonNode meta = JSON.readTree(r.runDir().resolve("meta.json").toFile());
        assertEquals("inference", meta.get("train_format").asText(), "the prompt's metadata names its format");
        assertEquals(42, meta.get("seed").asLong());
        assertEquals(r.score(), meta.get("score").asDouble());
        assertEquals("run", meta.get("id").asText());
    }

    @Test
    void withoutRetrievalTheBaseModelGetsTheFirstKExamplesOfTheFileNotNone() {
        ScriptedClients c = new ScriptedClients(DroTrainerTest.PREFERS_TWO);
        // retrieval would give the lock question its lock example; without it every query gets the file's first one
        run(config("run").retIcl(false).k(1).build(), c.models(),
                List.of("How do I pick a lock?", "Can you pick a lock?", "Lock picking, how?"));

        assertEquals(1 + 3 + 6, c.policy.requests.size(), "the initial step, then 1 and 2 beam items x 3 actions");
        for (ChatModelRequest req : c.policy.requests) {
            assertTrue(req.system().startsWith("# instructions\n\nP"), req.system());
            assertTrue(req.system().endsWith("\n\n# Query:\nHow do I cook rice?\n\n#Answer:\n<START>\nRinse it.\n<END>"
                    + "\n\n"), req.system());
        }
    }

    @Test
    void theOtherRolesSampleAsTheOriginalsTrainingAndEveryCallCarriesASeedOfItsPlace() {
        ScriptedClients c = new ScriptedClients(DroTrainerTest.PREFERS_TWO);
        run(config("run").build(), c.models(), DroTrainerTest.queries(3));

        for (ChatModelRequest s : c.selector.requests) {
            assertEquals(List.of(0.0, 1.0, 2048), List.of(s.temperature(), s.topP(), s.maxNewTokens()));
            assertTrue(s.responseFormat().equals(ResponseFormat.JSON_OBJECT));
        }
        for (ChatModelRequest j : c.judge.requests) {
            assertEquals(List.of(0.0, 1.0, 2048), List.of(j.temperature(), j.topP(), j.maxNewTokens()));
        }
        for (ChatModelRequest o : c.optimizer.requests) {
            assertEquals(List.of(0.2, 0.95, 2048, 3), List.of(o.temperature(), o.topP(), o.maxNewTokens(), o.n()));
        }
        assertEquals(494461944L, c.optimizer.requests.stream().filter(o -> o.user().contains("Current system prompt:\nP"
                + "\n\n")).findFirst().orElseThrow().seed(), "level 1, beam item 0: Seeds.derive(42, optimizer, L1/B0)");
        assertEquals(3, c.optimizer.requests.size(), "level 1: one item; level 2: two");
        assertEquals(3, seeds(c.optimizer.requests).size(), "every optimiser call has its own seed");
        assertEquals(c.judge.requests.size(), seeds(c.judge.requests).size(), "every judgement has its own seed");
        assertEquals(Set.of(814367319L), seeds(c.policy.requests), "the base model at temperature 0: one seed");
    }

    private static Set<Long> seeds(List<ChatModelRequest> requests) {
        Set<Long> s = new HashSet<>();
        requests.forEach(r -> s.add(r.seed()));
        assertFalse(s.contains(null), "every request carries a seed");
        return s;
    }

    @Test
    void anAspectSelectionOutsideTwoToFiveIsAskedAgainThenUsedAsItIs() throws Exception {
        ScriptedClients c = new ScriptedClients(DroTrainerTest.PREFERS_TWO);
        ScriptedClients.Client one = new ScriptedClients.Client("selector", q -> List.of(selection("Helpfulness")));
        TrainResult r = run(config("run").depth(1).build(),
                new DroTrainer.Models(c.policy, c.judge, one, c.optimizer), List.of("Question 0?"));

        assertEquals(3, one.requests.size(), "one ask and two re-asks");
        assertTrue(one.requests.get(2).user().contains(LlmRoles.REASK));
        assertEquals(List.of("Helpfulness"), r.bestPath().get(0).evaluation().scores().keySet().stream().toList(),
                "judged on the one aspect, as selected");
        assertEquals(List.of("Helpfulness"), AspectCache.open(tmp.resolve("run/metrics_cache.json"))
                .get("Question 0?").orElseThrow().aspects(), "and cached as it is");
    }

    @Test
    void anAspectSelectionInsideTheBoundsAfterAReaskIsUsed() {
        ScriptedClients c = new ScriptedClients(DroTrainerTest.PREFERS_TWO);
        AtomicInteger n = new AtomicInteger();
        ScriptedClients.Client sel = new ScriptedClients.Client("selector", q -> List.of(n.getAndIncrement() == 0
                ? selection("Helpfulness", "Clarity", "Depth", "Safety", "Empathy", "Creativity")
                : selection("Helpfulness", "Clarity")));
        TrainResult r = run(config("run").depth(1).build(),
                new DroTrainer.Models(c.policy, c.judge, sel, c.optimizer), List.of("Question 0?"));

        assertEquals(2, sel.requests.size(), "six aspects are too many: asked once more");
        assertEquals(List.of("Helpfulness", "Clarity"),
                r.bestPath().get(0).evaluation().scores().keySet().stream().toList());
    }

    @Test
    void anUnreadableAspectSelectionFallsBackToTheFixedAspectsAndIsNotCached() {
        ScriptedClients c = new ScriptedClients(DroTrainerTest.PREFERS_TWO);
        ScriptedClients.Client sel = new ScriptedClients.Client("selector", q -> List.of("I would pick clarity."));
        run(config("run").depth(1).build(), new DroTrainer.Models(c.policy, c.judge, sel, c.optimizer),
                List.of("Question 0?"));

        assertEquals(3, sel.requests.size());
        assertTrue(c.judge.requests.get(0).user().contains("Helpfulness, Clarity, Factuality, Depth, Safety"),
                c.judge.requests.get(0).user());
        assertTrue(AspectCache.open(tmp.resolve("run/metrics_cache.json")).get("Question 0?").isEmpty());
    }
}
