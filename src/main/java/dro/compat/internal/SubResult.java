package dro.compat.internal;

import dro.compat.internal.AspectScore;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * One step of a prompt search, as the original's named tuple {@code prompt_align.world_model.SubResult}: the system
 * prompt that was tried, the in-context examples sent with it, the training query, the base model's output and the
 * judge's evaluation.
 *
 * @param systemPrompt      the system prompt of this step
 * @param inContextExamples the ICL block appended to it, as sent (empty if none)
 * @param query             the training query
 * @param output            the base model's answer
 * @param evalDict          aspect name to score, in the judge's order; empty when the evaluation could not be parsed
 */
public record SubResult(String systemPrompt, String inContextExamples, String query, String output,
                        Map<String, AspectScore> evalDict) {

    public SubResult {
        evalDict = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(evalDict));
    }

    /** The step's reward in DRO: the mean of its numeric aspect scores, 0 when there are none. */
    public double reward() {
        double sum = 0;
        int n = 0;
        for (AspectScore s : evalDict.values()) {
            OptionalDouble v = s.value();
            if (v.isPresent()) {
                sum += v.getAsDouble();
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }
}
