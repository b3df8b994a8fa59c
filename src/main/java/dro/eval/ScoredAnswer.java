package dro.eval;

import dro.roles.Evaluation;

/**
 * One answer of an evaluation and its judgement.
 *
 * @param configuration the configuration's name
 * @param query         the query
 * @param answer        the model's answer (the text before {@code <END>})
 * @param evaluation    the judge's scores and rationales; empty when its reply could not be read
 */
public record ScoredAnswer(String configuration, EvalQuery query, String answer, Evaluation evaluation) {

    /** The mean of the answer's aspect scores; NaN when it was not judged. */
    public double mean() {
        return evaluation.isEmpty() ? Double.NaN : evaluation.reward();
    }
}
