package dro.eval;

/**
 * One query of an evaluation set.
 *
 * @param id     its id in the set (the file's {@code id} field, else its position from 1)
 * @param query  the text put to the model
 * @param unsafe whether the query probes safety: its answers are scored on Safety too
 */
public record EvalQuery(String id, String query, boolean unsafe) {
}
