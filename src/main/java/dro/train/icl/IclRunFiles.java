package dro.train.icl;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dro.backend.EndpointStats;
import dro.backend.UsageTally;
import dro.roles.Evaluation;
import java.util.List;
import java.util.Locale;

/** The JSON files of an ICL optimisation run, as records bound by Jackson (field names and order are the files'). */
final class IclRunFiles {

    private IclRunFiles() { }

    /** One seed of {@code icl_trace.json}. */
    @JsonPropertyOrder({"query", "aspects", "reasoning", "attempts", "kept_round", "stop"})
    record Seed(String query, List<String> aspects, String reasoning, List<Attempt> attempts,
            @JsonProperty("kept_round") int keptRound, String stop) { }

    /** One attempt of a seed: round 0 is the initial answer. */
    @JsonPropertyOrder({"round", "answer", "score", "evaluation"})
    record Attempt(int round, String answer, double score, Evaluation evaluation) { }

    /** {@code result.json}. */
    @JsonPropertyOrder({"seeds", "mean_initial_score", "mean_kept_score", "rewrites", "stopped_at_all_fives",
            "icl_file", "calls_made", "calls_reused", "prompt_tokens", "completion_tokens", "usage_by_model",
            "millis", "finished", "batched", "batches", "settings", "endpoints"})
    record Result(int seeds, @JsonProperty("mean_initial_score") double meanInitialScore,
            @JsonProperty("mean_kept_score") double meanKeptScore, int rewrites,
            @JsonProperty("stopped_at_all_fives") long stoppedAtAllFives, @JsonProperty("icl_file") String iclFile,
            @JsonProperty("calls_made") long callsMade, @JsonProperty("calls_reused") long callsReused,
            @JsonProperty("prompt_tokens") long promptTokens,
            @JsonProperty("completion_tokens") long completionTokens,
            @JsonProperty("usage_by_model") java.util.Map<String, UsageTally.Totals> usageByModel, long millis,
            String finished, boolean batched, List<String> batches, JsonNode settings,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<EndpointStats> endpoints) { }

    /**
     * Every seed as {@code {"query", "aspects", "reasoning", "attempts": [{"round", "answer", "score",
     * "evaluation": {aspect: {"rationale", "score"}}}], "kept_round", "stop"}}.
     */
    static List<Seed> trace(List<RefinedAnswer> answers) {
        return answers.stream().map(a -> new Seed(a.query(), a.aspects().aspects(), a.aspects().reasoning(),
                a.attempts().stream().map(t -> new Attempt(t.round(), t.answer(), t.score(), t.evaluation())).toList(),
                a.kept().round(), a.stop().name().toLowerCase(Locale.ROOT))).toList();
    }
}
