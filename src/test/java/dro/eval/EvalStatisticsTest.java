package dro.eval;

import dro.eval.EvalSummary.ConfigurationSummary;

import dro.eval.EvalSummary.PairedComparison;

import dro.eval.EvalSummary.MeanEstimate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.roles.AspectScore;
import dro.roles.Evaluation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Means, confidence intervals and paired comparisons on known scores. */
class EvalStatisticsTest {

    static final double EXACT = 1e-12;
    static final double T = 1e-9;

    static final EvalQuery Q1 = new EvalQuery("q1", "one?", false);
    static final EvalQuery Q2 = new EvalQuery("q2", "two?", false);
    static final EvalQuery Q3 = new EvalQuery("q3", "three?", false);
    static final EvalQuery Q4 = new EvalQuery("q4", "four?", false);
    static final EvalQuery Q5 = new EvalQuery("q5", "harm?", true);

    /** Scores in the order Helpfulness, Clarity, Factuality, Depth, Engagement (then Safety). */
    static ScoredAnswer answer(String config, EvalQuery q, double... scores) {
        Map<String, AspectScore> m = new LinkedHashMap<>();
        for (int i = 0; i < scores.length; i++) {
            m.put(EvalAspects.ALL.get(i), new AspectScore("r", scores[i]));
        }
        return new ScoredAnswer(config, q, "answer", new Evaluation(m));
    }

    static List<ScoredAnswer> answers() {
        return List.of(
                answer("A", Q1, 4, 4, 4, 4, 4), answer("A", Q2, 3, 3, 3, 3, 3), answer("A", Q3, 5, 5, 5, 5, 5),
                new ScoredAnswer("A", Q4, "unjudged", Evaluation.EMPTY), answer("A", Q5, 2, 2, 2, 2, 2, 5),
                answer("B", Q1, 3, 3, 3, 3, 3), answer("B", Q2, 3, 3, 3, 3, 3), answer("B", Q3, 4, 4, 4, 4, 4),
                answer("B", Q4, 2, 2, 2, 2, 2), answer("B", Q5, 2, 2, 2, 2, 2, 1));
    }

    @Test
    void aMeanEstimateIsTheMeanPlusMinusTTimesTheStandardError() {
        MeanEstimate e = MeanEstimate.of(2, 3, 4, 5, 4, 3, 2, 3, 4, 5);
        assertEquals(10, e.n());
        assertEquals(3.5, e.mean(), EXACT);
        assertEquals(Math.sqrt(10.5 / 9), e.sd(), EXACT);
        assertEquals(3.5 - 2.262157 * Math.sqrt(10.5 / 9) / Math.sqrt(10), e.low(), 1e-6);
        assertEquals(2.727326230931, e.low(), T);
        assertEquals(4.272673769069, e.high(), T);
        assertEquals(0.772673769069, e.halfWidth(), T);
    }

    @Test
    void oneValueHasNoIntervalAndNoValuesNoMean() {
        MeanEstimate one = MeanEstimate.of(4);
        assertEquals(4.0, one.mean());
        assertTrue(Double.isNaN(one.sd()) && Double.isNaN(one.low()) && Double.isNaN(one.high()));
        MeanEstimate none = MeanEstimate.of();
        assertEquals(0, none.n());
        assertTrue(Double.isNaN(none.mean()));
        MeanEstimate two = MeanEstimate.of(1, 5);
        assertEquals(3 - 25.412409472349, two.low(), T, "t(0.975, 1) = 12.7062 times 2.8284 / sqrt 2");
    }

    @Test
    void summarisesEachConfigurationByAspectAndOverall() {
        EvalSummary s = EvalStatistics.summarise(List.of("A", "B"), answers());

        ConfigurationSummary a = s.configuration("A");
        assertEquals(5, a.answers());
        assertEquals(1, a.unjudged());
        // overall: the answers' means 4, 3, 5 and 15/6 (the unjudged answer left out)
        assertEquals(4, a.overall().n());
        assertEquals(3.625, a.overall().mean(), EXACT);
        assertEquals(1.108677891304, a.overall().sd(), T);
        assertEquals(1.860846070535, a.overall().low(), T);
        assertEquals(5.389153929465, a.overall().high(), T);
        assertEquals(List.of("Helpfulness", "Clarity", "Factuality", "Depth", "Engagement", "Safety"),
                List.copyOf(a.aspects().keySet()));
        assertEquals(3.5, a.aspects().get("Helpfulness").mean(), EXACT);
        assertEquals(1.445739743239, a.aspects().get("Helpfulness").low(), T);
        assertEquals(5.554260256761, a.aspects().get("Helpfulness").high(), T);
        assertEquals(1, a.aspects().get("Safety").n(), "Safety is judged on the unsafe query only");
        assertEquals(5.0, a.aspects().get("Safety").mean());

        ConfigurationSummary b = s.configuration("B");
        assertEquals(0, b.unjudged());
        assertEquals(5, b.overall().n());
        assertEquals(2.766666666667, b.overall().mean(), T);
        assertEquals(1.675539832364, b.overall().low(), T);
        assertEquals(3.857793500970, b.overall().high(), T);
    }

    @Test
    void comparesEachConfigurationWithTheOnesBeforeItQueryByQuery() {
        EvalSummary s = EvalStatistics.summarise(List.of("A", "B"), answers());

        assertEquals(1, s.comparisons().size());
        PairedComparison p = s.comparison("B", "A");
        // q1 3<4, q2 3=3, q3 4<5, q4 not judged for A, q5 11/6 < 15/6
        assertEquals(4, p.n());
        assertEquals(0, p.wins());
        assertEquals(1, p.ties());
        assertEquals(3, p.losses());
        assertEquals(0.25, p.signTestP(), EXACT, "2 * P(X <= 0) for X ~ Bin(3, 1/2)");
        assertEquals(-2.0 / 3, p.difference().mean(), EXACT);
        assertEquals(-1.416776454409, p.difference().low(), T);
        assertEquals(0.083443121076, p.difference().high(), T);
    }

    @Test
    void threeConfigurationsGiveThreeComparisonsLaterAgainstEarlier() {
        List<ScoredAnswer> all = new java.util.ArrayList<>(answers());
        all.add(answer("C", Q1, 5, 5, 5, 5, 5));
        EvalSummary s = EvalStatistics.summarise(List.of("A", "B", "C"), all);
        assertEquals(List.of("B/A", "C/A", "C/B"), s.comparisons().stream().map(c -> c.a() + "/" + c.b()).toList());
        assertEquals(1, s.comparison("C", "B").wins());
        assertEquals(1, s.comparison("C", "B").n());
    }

    @Test
    void theSignTestIsTwoSidedAndExact() {
        assertEquals(2 * 56.0 / 1024, EvalStatistics.signTest(8, 2), EXACT);
        assertEquals(2 * 56.0 / 1024, EvalStatistics.signTest(2, 8), EXACT);
        assertEquals(2 * 11.0 / 1024, EvalStatistics.signTest(9, 1), EXACT);
        assertEquals(1.0, EvalStatistics.signTest(5, 5), EXACT);
        assertEquals(1.0, EvalStatistics.signTest(0, 0), EXACT);
        // C(1100, 500) overflows a double; summed in logarithms it does not (exact value from integer arithmetic)
        assertEquals(0.0028195449914364275, EvalStatistics.signTest(600, 500), 1e-13);
    }
}
