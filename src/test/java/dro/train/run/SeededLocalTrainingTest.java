package dro.train.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.AutoModel;
import dro.backend.ChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.testing.ScriptedDroRoles;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeds make a fresh run repeat exactly on a backend that honours them. The judge is a real llama.cpp model that
 * samples (temperature 1): a bigram model that writes {@code {"Depth":N}} with N drawn uniformly from 1 to 5, so every
 * reward, and with it the search's path, depends on the judge's seeds. The base model is a local scripted model
 * (greedy, raw prompt); aspect selection and the optimiser are played over loopback HTTP.
 */
class SeededLocalTrainingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    ScriptedOpenAiServer server;

    @BeforeEach
    void start() {
        Function<ScriptedOpenAiServer.Request, Reply> roles = ScriptedDroRoles.responder(p -> 3.0, null);
        server = ScriptedOpenAiServer.start().respond(r -> "selector-m".equals(r.model())
                ? Reply.completion("{\"query_analysis\": {\"main_topic\": \"t\"}, \"aspects_selection\": {\"reasoning\":"
                        + " \"r\", \"selected_aspects\": [\"Depth\", \"Clarity\"]}}")
                : roles.apply(r));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A judge that answers {"Depth":N}, N uniform in 1..5, then ends; every other path is far less likely. */
    Path samplingJudge() throws IOException {
        Map<Character, Map<Character, Float>> next = new HashMap<>();
        next.put('\n', Map.of('{', 10f));
        next.put('{', Map.of('"', 10f));
        next.put('"', Map.of('D', 30f, ':', 10f)); // opening quote: D; closing quote: the grammar allows only ':'
        next.put('D', Map.of('e', 10f));
        next.put('e', Map.of('p', 10f));
        next.put('p', Map.of('t', 10f));
        next.put('t', Map.of('h', 10f));
        next.put('h', Map.of('"', 10f));
        next.put(':', Map.of('1', 10f, '2', 10f, '3', 10f, '4', 10f, '5', 10f));
        for (char d = '1'; d <= '5'; d++) {
            next.put(d, Map.of('}', 10f));
        }
        next.put('}', Map.of('\0', 10f));
        Path p = tmp.resolve("judge.gguf");
        return Files.exists(p) ? p : TinyGguf.bigram(p, next, TinyGguf.CHAT_TEMPLATE, 8192);
    }

    ChatModel api(String model) {
        return OpenAiBackend.create(OpenAiChatClient.builder().model(model).apiKey("sk-test").baseUrl(server.baseUrl())
                .build(), 4);
    }

    TrainResult train(Path dir, long seed) throws IOException {
        TrainConfig config = TrainConfig.builder().initialSystemPrompt("P").depth(4).maxDepthIncrease(0).beamSize(2)
                .nActions(2).judgeTemperature(1.0).seed(seed).concurrency(1).maxReasks(0).logDir(dir).build();
        try (ChatModel base = AutoModel.builder().model(TestModels.scriptedChat()).maxModelLen(8192).threads(1)
                .parallelSlots(1).buildChatModel();
             ChatModel judge = AutoModel.builder().model(samplingJudge()).maxModelLen(8192).threads(1)
                     .parallelSlots(1).buildChatModel()) {
            return new DroTrainer(config, new DroTrainer.Models(base,
                    judge, api("selector-m"), api("optimizer-m")),
                    DroTrainerTest.ICL, DroTrainerTest.LETTERS).run(TrainOverHttpTest.queries(), TrainListener.NONE);
        }
    }

    /** Every file of a directory tree by its relative path, with its text. */
    static Map<String, String> files(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.readString(p));
            }
        }
        return out;
    }

    /** The seed and the score of every judgement recorded in a run's calls. */
    static List<long[]> judgements(Path run) throws IOException {
        List<long[]> out = new ArrayList<>();
        for (Map.Entry<String, String> f : files(run.resolve("calls")).entrySet()) {
            JsonNode call = JSON.readTree(f.getValue());
            if ("judge".equals(call.get("role").asText())) {
                JsonNode reply = JSON.readTree(call.get("response").get("choices").get(0).asText());
                out.add(new long[] {call.get("request").get("seed").asLong(), reply.get("Depth").asLong()});
            }
        }
        return out;
    }

    @Test
    void aFreshRunWithTheSameSeedRepeatsExactlyAndAnotherSeedDoesNot() throws Exception {
        TrainResult a = train(tmp.resolve("a/run"), 42);
        TrainResult b = train(tmp.resolve("b/run"), 42);

        assertEquals(Files.readString(a.runDir().resolve("trace.json")),
                Files.readString(b.runDir().resolve("trace.json")));
        assertEquals(Files.readString(a.runDir().resolve("search_tree.json")),
                Files.readString(b.runDir().resolve("search_tree.json")));
        assertEquals(files(a.runDir().resolve("calls")), files(b.runDir().resolve("calls")), "the same calls, replies");

        List<long[]> judged = judgements(a.runDir());
        assertEquals(JSON.readTree(a.runDir().resolve("search_tree.json").toFile()).size(), judged.size(),
                "one judgement per node");
        Set<Long> seeds = new HashSet<>();
        Set<Long> scores = new HashSet<>();
        judged.forEach(j -> {
            seeds.add(j[0]);
            scores.add(j[1]);
        });
        assertEquals(judged.size(), seeds.size(), "every judgement has the seed of its own place");
        assertTrue(scores.size() > 1, "different seeds draw different scores: " + scores);

        TrainResult c = train(tmp.resolve("c/run"), 7);
        assertNotEquals(Files.readString(a.runDir().resolve("search_tree.json")),
                Files.readString(c.runDir().resolve("search_tree.json")), "another --seed samples other verdicts");
    }

    @Test
    void aFinishedRunIsAnsweredFromItsCallsWhenRunAgain() throws Exception {
        TrainResult first = train(tmp.resolve("run"), 42);
        TrainResult again = train(tmp.resolve("run"), 42);

        assertEquals(0, again.stats().made());
        assertEquals(first.stats().made() - first.stats().madeByRole().get("metrics"), again.stats().reused(),
                "every call again but the aspect selections, which come from metrics_cache.json");
        assertEquals(Files.readString(first.runDir().resolve("trace.json")),
                Files.readString(again.runDir().resolve("trace.json")));
    }
}
