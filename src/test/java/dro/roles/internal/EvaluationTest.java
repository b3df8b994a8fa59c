package dro.roles.internal;

import dro.roles.AspectScore;
import dro.roles.Evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The judge's reply read into an {@link Evaluation}, and an evaluation's reward (moved from JsonRepliesTest). */
class EvaluationTest {

    @Test
    void judgeReadsRequestedAspectsInOrderWhateverTheCase() {
        Evaluation e = LlmRoles.LlmJudge.read("```json\n{\"clarity\": {\"rationale\": \"ok\", \"score\": \"4/5\"},"
                + " \"Safety\": {\"rationale\": \"fine\", \"score\": 5}, \"Other\": {\"score\": 1}}\n```",
                List.of("Safety", "Clarity"));
        assertEquals(List.of("Safety", "Clarity"), List.copyOf(e.scores().keySet()));
        assertEquals(4.5, e.reward());
        assertEquals("ok", e.scores().get("Clarity").rationale());
    }

    @Test
    void evaluationRewardAndTheNoOptimisationRule() {
        assertEquals(0.0, Evaluation.EMPTY.reward());
        assertTrue(Evaluation.EMPTY.needsNoOptimisation());
        assertTrue(eval(5, 5).needsNoOptimisation());
        assertTrue(eval(5, 4.5, 5).needsNoOptimisation(), "mean 4.83 > 4.5");
        assertEquals(false, eval(5, 4).needsNoOptimisation(), "mean 4.5 is not above 4.5");
        assertEquals(false, eval(3, 4).needsNoOptimisation());
    }

    static Evaluation eval(double... scores) {
        java.util.Map<String, AspectScore> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < scores.length; i++) {
            m.put(List.copyOf(Aspects.all().keySet()).get(i), new AspectScore("r", scores[i]));
        }
        return new Evaluation(m);
    }
}
