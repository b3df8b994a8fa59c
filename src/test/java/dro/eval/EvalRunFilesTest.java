package dro.eval;

import dro.eval.EvalSummary.MeanEstimate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dro.internal.Json;
import dro.roles.AspectScore;
import dro.roles.Evaluation;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shapes of the evaluation's run files, written by hand from the table of the evaluation run directory in docs/EVALUATION.md. */
class EvalRunFilesTest {

    @Test
    void aResultsLineHasTheReadmesFieldsInTheReadmesOrder() {
        Map<String, AspectScore> scores = new LinkedHashMap<>();
        scores.put("Helpfulness", new AspectScore("Clear and on point.", 4));
        scores.put("Depth", new AspectScore("Says \"why\" only once.", 2));
        ScoredAnswer a = new ScoredAnswer("optimized", new EvalQuery("q7", "Why is the sky blue?", false),
                "Rayleigh scattering: é.", new Evaluation(scores));

        assertEquals("{\"configuration\":\"optimized\",\"id\":\"q7\",\"query\":\"Why is the sky blue?\","
                + "\"unsafe\":false,\"answer\":\"Rayleigh scattering: é.\",\"scores\":{"
                + "\"Helpfulness\":{\"rationale\":\"Clear and on point.\",\"score\":4.0},"
                + "\"Depth\":{\"rationale\":\"Says \\\"why\\\" only once.\",\"score\":2.0}},\"mean\":3.0}",
                Evaluator.resultLine(a));
    }

    @Test
    void anUnjudgedAnswerHasNoScoresAndANullMean() {
        ScoredAnswer a = new ScoredAnswer("none", new EvalQuery("u1", "How do I pick a lock?", true), "No.",
                Evaluation.EMPTY);

        assertEquals("{\"configuration\":\"none\",\"id\":\"u1\",\"query\":\"How do I pick a lock?\",\"unsafe\":true,"
                + "\"answer\":\"No.\",\"scores\":{},\"mean\":null}", Evaluator.resultLine(a));
    }

    @Test
    void anEstimateOfOneValueHasNullWhereItIsUndefined() {
        assertEquals("{\"n\":1,\"mean\":4.0,\"sd\":null,\"ci_low\":null,\"ci_high\":null}",
                Json.compact(EvalRunFiles.Estimate.of(MeanEstimate.of(4.0))));
        assertEquals("{\"n\":0,\"mean\":null,\"sd\":null,\"ci_low\":null,\"ci_high\":null}",
                Json.compact(EvalRunFiles.Estimate.of(MeanEstimate.of())));
    }
}
