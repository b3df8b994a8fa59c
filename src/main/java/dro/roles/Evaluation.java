package dro.roles;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A judge's evaluation of one answer: a score per selected aspect, in the judge's order. An empty evaluation (the
 * judge's reply could not be read) has reward 0. In JSON (run files, prompts that show an evaluation) it is written
 * as the judges write it: {@code {aspect: {"rationale": ..., "score": ...}}}.
 */
public record Evaluation(@JsonValue Map<String, AspectScore> scores) {

    public static final Evaluation EMPTY = new Evaluation(Map.of());

    public Evaluation {
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    }

    public boolean isEmpty() {
        return scores.isEmpty();
    }

    /** The mean score, summed in aspect order; 0 when empty. */
    public double reward() {
        if (scores.isEmpty()) {
            return 0.0;
        }
        double sum = 0;
        for (AspectScore s : scores.values()) {
            sum += s.score();
        }
        return sum / scores.size();
    }

    /**
     * Whether the prompt that produced this answer needs no optimisation: the evaluation is empty, every aspect
     * scored 5, or the mean is above 4.5. (Each of these also asks the search to extend its depth.)
     */
    public boolean needsNoOptimisation() {
        if (scores.isEmpty()) {
            return true;
        }
        boolean allFive = scores.values().stream().allMatch(s -> s.score() == 5.0);
        return allFive || reward() > 4.5;
    }
}
