package dro.train;
import dro.roles.Evaluation;

/**
 * One step of a DRO search path: the base model answered {@code query} behind {@code systemPrompt} (plus the
 * in-context examples {@code icl}), and the judge evaluated the answer on the query's selected aspects.
 */
public record Step(String systemPrompt, String icl, String query, String output, Evaluation evaluation) {
}
