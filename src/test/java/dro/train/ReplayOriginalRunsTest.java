package dro.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.backend.ChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.cli.TrainCommandAccess;
import dro.compat.internal.AspectScore;
import dro.compat.internal.BeamSearchResult;
import dro.compat.internal.OutputPickle;
import dro.compat.internal.OutputText;
import dro.compat.internal.SearchNode;
import dro.compat.internal.SubResult;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.ScriptedOpenAiServer.Request;
import dro.testing.SharedData;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fidelity to the original, shown on its own recorded runs. Each {@code output.pkl} in ../shared holds the whole
 * search tree. A loopback server replays it: the base model answers with the recorded outputs, the judge with the
 * recorded evaluations (text that is not JSON where the original could not parse its judge), the optimiser with
 * the recorded children's prompts; aspects come from the original's metrics cache. {@code dro train --queries <the
 * recorded query order>} must end on the recorded best path and final prompt, with one generation and one
 * judgement per recorded node, and nothing more but the bounded re-asks for the empty evaluations.
 */
class ReplayOriginalRunsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REASK = "Your previous reply could not be read";
    /** The header of the original's training form of the base model's system text. */
    private static final String INSTRUCTIONS = "# instructions\n\n";

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyRecordedSearchIsReproduced() throws IOException {
        Path upstream = SharedData.upstream();
        List<Path> pickles;
        try (Stream<Path> s = Files.list(upstream)) {
            pickles = s.filter(d -> Files.isRegularFile(d.resolve("output.pkl"))).sorted().toList();
        }
        assertEquals(7, pickles.size(), "the recorded runs in " + upstream);
        return pickles.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(),
                () -> replay(upstream, dir)));
    }

    private void replay(Path upstream, Path dir) throws Exception {
        BeamSearchResult recorded = (BeamSearchResult) OutputPickle.read(dir.resolve("output.pkl"));
        List<SearchNode> nodes = recorded.nodes();
        List<SubResult> path = recorded.terminalNode().state();
        Path work = tmp.resolve(dir.getFileName().toString());
        Files.createDirectories(work);
        Path queries = work.resolve("queries.json");
        ArrayNode q = JSON.createArrayNode();
        path.forEach(s -> q.add(s.query()));
        Files.writeString(queries, JSON.writeValueAsString(q));
        Path metrics = Files.copy(upstream.resolve("metrics_cache.json"), work.resolve("metrics_cache.json"));

        Replayer replayer = new Replayer(nodes);
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start().respond(replayer::answer)) {
            BiFunction<String, Boolean, ChatModel> original = TrainCommandAccess.apiClients();
            TrainCommandAccess.apiClients((name, reasoning) -> OpenAiBackend.create(OpenAiChatClient.builder()
                    .model(name).apiKey("sk-replay").baseUrl(server.baseUrl()).build(),
                    4));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code;
            try {
                code = dro.cli.Main.run(new PrintWriter(out, true), new PrintWriter(err, true), "train",
                        "--base-model", "replay-base", "--eval-model", "replay-judge", "--metrics-model", "replay-sel",
                        "--optimize-model", "replay-opt", "--initial-system-prompt", recorded.tree().state().get(0)
                                .systemPrompt(), "--queries", queries.toString(), "--metrics-cache-path",
                        metrics.toString(), "--icl-file", upstream.resolve("ICL_examples.json").toString(),
                        "--concurrency", "1", "--disable-tqdm", "--log-dir", work.resolve("run").toString());
            } finally {
                TrainCommandAccess.apiClients(original);
            }
            assertEquals(0, code, err.toString());

            Path run = work.resolve("run");
            assertEquals(OutputText.read(dir.resolve("output.txt")) + "\n",
                    Files.readString(run.resolve("optimized_prompt.txt")), "the final prompt");
            JsonNode trace = JSON.readTree(run.resolve("trace.json").toFile());
            List<String> ourPath = new ArrayList<>();
            trace.forEach(level -> ourPath.add(level.get("Prompt").asText()));
            assertEquals(path.stream().map(SubResult::systemPrompt).toList(), ourPath, "the best path");
            assertEquals(nodes.size(), JSON.readTree(run.resolve("search_tree.json").toFile()).size(),
                    "the same tree size");

            long empty = nodes.stream().filter(n -> n.lastStep().orElseThrow().evalDict().isEmpty()).count();
            long optimised = nodes.stream().filter(n -> n.children().size() > 1).count();
            assertEquals(nodes.size(), count(server, "replay-base"), "one generation per recorded node");
            assertEquals(nodes.size() + 2 * empty, count(server, "replay-judge"),
                    "one judgement per node, plus two re-asks for each of the " + empty + " empty evaluations");
            assertEquals(optimised, count(server, "replay-opt"), "one optimiser call per optimised node");
            assertEquals(0, count(server, "replay-sel"), "every aspect selection comes from the metrics cache");
        }
    }

    private static long count(ScriptedOpenAiServer server, String model) {
        return server.requests().stream().filter(r -> model.equals(r.model())).count();
    }

    /** Answers each role from the recorded tree. */
    private static final class Replayer {
        private final List<SearchNode> nodes;
        private final Map<String, Deque<SearchNode>> judgeQueue = new HashMap<>();
        private final Map<String, SearchNode> lastJudged = new HashMap<>();

        Replayer(List<SearchNode> nodes) {
            this.nodes = nodes.stream().sorted(Comparator.comparingInt(SearchNode::id)).toList();
            for (SearchNode n : this.nodes) {
                SubResult s = n.lastStep().orElseThrow();
                judgeQueue.computeIfAbsent(s.query() + "\u0000" + s.output().strip(), k -> new ArrayDeque<>()).add(n);
            }
        }

        synchronized Reply answer(Request r) {
            String user = r.message("user");
            return switch (r.model()) {
                case "replay-base" -> base(r.message("system"), user);
                case "replay-judge" -> judge(user);
                case "replay-opt" -> optimiser(user, r.n());
                default -> Reply.error(404, "The model `" + r.model() + "` does not exist");
            };
        }

        private Reply base(String system, String user) {
            if (!system.startsWith(INSTRUCTIONS)) {
                return Reply.error(400, "not the original's training form: " + system);
            }
            system = system.substring(INSTRUCTIONS.length());
            String query = user.substring("# Query:\n".length(), user.length() - "\n\n# Answer:\n<START>".length());
            SearchNode best = null;
            for (SearchNode n : nodes) {
                SubResult s = n.lastStep().orElseThrow();
                if (s.query().equals(query) && system.startsWith(s.systemPrompt())
                        && (best == null || s.systemPrompt().length() > best.lastStep().orElseThrow().systemPrompt().length())) {
                    best = n;
                }
            }
            if (best == null) {
                return Reply.error(400, "no recorded node for this prompt and query");
            }
            return Reply.completion(best.lastStep().orElseThrow().output() + "\n<END>");
        }

        private Reply judge(String user) {
            for (Map.Entry<String, Deque<SearchNode>> e : judgeQueue.entrySet()) {
                String[] key = e.getKey().split("\u0000", 2);
                if (user.contains("Query:\n" + key[0] + "\n\nAnswer:\n" + key[1] + "\n\nFor every aspect")) {
                    SearchNode n = user.contains(REASK) ? lastJudged.get(e.getKey()) : e.getValue().poll();
                    if (n == null) {
                        return Reply.error(400, "judged more often than recorded");
                    }
                    lastJudged.put(e.getKey(), n);
                    Map<String, AspectScore> eval = n.lastStep().orElseThrow().evalDict();
                    if (eval.isEmpty()) {
                        return Reply.completion("The answer is fine, I would say somewhere around good.");
                    }
                    ObjectNode o = JSON.createObjectNode();
                    eval.forEach((a, s) -> o.putObject(a).put("rationale", s.rationale()).put("score", s.score()));
                    return Reply.completion(o.toString());
                }
            }
            return Reply.error(400, "no recorded node for this judgement");
        }

        private Reply optimiser(String user, int n) {
            for (SearchNode node : nodes) {
                SubResult s = node.lastStep().orElseThrow();
                if (node.children().size() > 1 && user.contains("Current system prompt:\n" + s.systemPrompt() + "\n\n")
                        && user.contains("Query:\n" + s.query() + "\n\nThe assistant's answer:\n" + s.output().strip()
                        + "\n\n")) {
                    List<String> choices = new ArrayList<>();
                    for (SearchNode child : node.children().subList(0, n)) {
                        ObjectNode o = JSON.createObjectNode();
                        o.put("analysis", "replayed").put("thought", "replayed")
                                .put("new_system_prompt", child.action().orElseThrow());
                        choices.add(o.toString());
                    }
                    return Reply.completion(choices.toArray(String[]::new));
                }
            }
            return Reply.error(400, "no recorded node for this optimisation");
        }
    }
}
