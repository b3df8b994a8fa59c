package dro.train.run;
import dro.backend.UsageTally;
import dro.train.Step;
import dro.train.PathState;
import dro.train.search.BeamSearch;
import dro.roles.Evaluation;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dro.backend.EndpointStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON files of a training run, as records bound by Jackson (field names and order are the files'). */
final class TrainRunFiles {

    private TrainRunFiles() { }

    /** One step of {@code trace.json}: the original's {@code output.json} fields plus the reward. */
    @JsonPropertyOrder({"Prompt", "Query", "ICL", "Output", "Evaluation of the prompt", "Reward"})
    record TraceLevel(@JsonProperty("Prompt") String prompt, @JsonProperty("Query") String query,
            @JsonProperty("ICL") String icl, @JsonProperty("Output") String output,
            @JsonProperty("Evaluation of the prompt") Evaluation evaluation, @JsonProperty("Reward") double reward) { }

    /** One node of {@code search_tree.json}; {@code parent} is null for the root. */
    @JsonPropertyOrder({"id", "parent", "length", "reward", "score", "prompt", "query", "output", "evaluation"})
    record TreeNode(int id, Integer parent, int length, double reward, double score, String prompt, String query,
            String output, Evaluation evaluation) { }

    /** {@code result.json}. */
    @JsonPropertyOrder({"score", "depth_limit", "nodes", "calls_made", "calls_reused", "prompt_tokens",
            "completion_tokens", "usage_by_model", "millis", "finished", "train_format", "settings", "endpoints"})
    record Result(double score, @JsonProperty("depth_limit") int depthLimit, int nodes,
            @JsonProperty("calls_made") long callsMade, @JsonProperty("calls_reused") long callsReused,
            @JsonProperty("prompt_tokens") long promptTokens,
            @JsonProperty("completion_tokens") long completionTokens,
            @JsonProperty("usage_by_model") Map<String, UsageTally.Totals> usageByModel, long millis,
            String finished, @JsonProperty("train_format") String trainFormat, JsonNode settings,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<EndpointStats> endpoints) { }

    /** {@code meta.json}: a prompt store's metadata of the optimised prompt, plus how it was trained. */
    @JsonPropertyOrder({"id", "models", "aliases", "source", "created", "train_format", "seed", "score"})
    record PromptMeta(String id, List<String> models, List<String> aliases, String source, String created,
            @JsonProperty("train_format") String trainFormat, long seed, double score) { }

    /**
     * The best path as {@code {"level N": {"Prompt", "Query", "ICL", "Output", "Evaluation of the prompt",
     * "Reward"}}}, level 1 being the initial prompt's step (the original's {@code output.json} plus fields).
     */
    static Map<String, TraceLevel> trace(List<Step> path) {
        Map<String, TraceLevel> levels = new LinkedHashMap<>();
        for (int i = 0; i < path.size(); i++) {
            Step s = path.get(i);
            levels.put("level " + (i + 1), new TraceLevel(s.systemPrompt(), s.query(), s.icl(), s.output(),
                    s.evaluation(), s.evaluation().reward()));
        }
        return levels;
    }

    /** Every node of the search, breadth first. */
    static List<TreeNode> tree(BeamSearch.Node<PathState, String> root) {
        List<TreeNode> nodes = new ArrayList<>();
        List<BeamSearch.Node<PathState, String>> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            BeamSearch.Node<PathState, String> n = todo.remove(0);
            Step s = n.state().last();
            nodes.add(new TreeNode(n.id(), n.parent() == null ? null : n.parent().id(), n.state().size(), n.reward(),
                    n.score(), s.systemPrompt(), s.query(), s.output(), s.evaluation()));
            todo.addAll(n.children());
        }
        return nodes;
    }
}
