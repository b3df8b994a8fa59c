package dro.eval;

import dro.eval.EvalSummary.ConfigurationSummary;

import dro.eval.EvalSummary.PairedComparison;

import dro.eval.EvalSummary.MeanEstimate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dro.backend.EndpointStats;
import dro.backend.UsageTally;
import dro.roles.Evaluation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON files of an evaluation run, as records bound by Jackson (field names and order are the files'). A number
 * that is undefined (NaN) is written as null.
 */
final class EvalRunFiles {

    private EvalRunFiles() { }

    /** One line of {@code results.jsonl}; {@code mean} null when the answer was not judged. */
    @JsonPropertyOrder({"configuration", "id", "query", "unsafe", "answer", "scores", "mean"})
    record ResultLine(String configuration, String id, String query, boolean unsafe, String answer,
            Evaluation scores, Double mean) {

        static ResultLine of(ScoredAnswer a) {
            return new ResultLine(a.configuration(), a.query().id(), a.query().query(), a.query().unsafe(),
                    a.answer(), a.evaluation(), finite(a.mean()));
        }
    }

    /** A mean with its 95% interval: {@code {"n", "mean", "sd", "ci_low", "ci_high"}}. */
    @JsonPropertyOrder({"n", "mean", "sd", "ci_low", "ci_high"})
    record Estimate(int n, Double mean, Double sd, @JsonProperty("ci_low") Double ciLow,
            @JsonProperty("ci_high") Double ciHigh) {

        static Estimate of(MeanEstimate e) {
            return new Estimate(e.n(), finite(e.mean()), finite(e.sd()), finite(e.low()), finite(e.high()));
        }
    }

    /** One configuration of {@code summary.json}. */
    @JsonPropertyOrder({"name", "answers", "unjudged", "overall", "aspects"})
    record Configuration(String name, int answers, int unjudged, Estimate overall, Map<String, Estimate> aspects) {

        static Configuration of(ConfigurationSummary c) {
            Map<String, Estimate> aspects = new LinkedHashMap<>();
            c.aspects().forEach((a, e) -> aspects.put(a, Estimate.of(e)));
            return new Configuration(c.name(), c.answers(), c.unjudged(), Estimate.of(c.overall()), aspects);
        }
    }

    /** One comparison of {@code summary.json}: wins are {@code a}'s. */
    @JsonPropertyOrder({"a", "b", "n", "wins", "ties", "losses", "sign_test_p", "mean_difference"})
    record Comparison(String a, String b, int n, int wins, int ties, int losses,
            @JsonProperty("sign_test_p") Double signTestP, @JsonProperty("mean_difference") Estimate meanDifference) {

        static Comparison of(PairedComparison p) {
            return new Comparison(p.a(), p.b(), p.n(), p.wins(), p.ties(), p.losses(), finite(p.signTestP()),
                    Estimate.of(p.difference()));
        }
    }

    /** {@code summary.json}. */
    @JsonPropertyOrder({"configurations", "comparisons", "model", "judge_model", "queries", "unsafe_queries",
            "calls_made", "calls_reused", "prompt_tokens", "completion_tokens", "usage_by_model", "millis", "finished",
            "batched", "batches", "endpoints"})
    record Summary(List<Configuration> configurations, List<Comparison> comparisons, String model,
            @JsonProperty("judge_model") String judgeModel, int queries,
            @JsonProperty("unsafe_queries") long unsafeQueries, @JsonProperty("calls_made") long callsMade,
            @JsonProperty("calls_reused") long callsReused, @JsonProperty("prompt_tokens") long promptTokens,
            @JsonProperty("completion_tokens") long completionTokens,
            @JsonProperty("usage_by_model") Map<String, UsageTally.Totals> usageByModel, long millis,
            String finished, boolean batched, List<String> batches,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<EndpointStats> endpoints) { }

    static Double finite(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
    }
}
