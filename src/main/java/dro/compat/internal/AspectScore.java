package dro.compat.internal;

import java.util.OptionalDouble;

/**
 * The judge's verdict on one aspect of an answer, as the original stores it: {@code {"rationale": ..., "score": ...}}.
 *
 * @param rationale why the score was given
 * @param score     the score as written (the original keeps it as text, e.g. {@code "4"})
 */
public record AspectScore(String rationale, String score) {

    /** The score as a number, if it is one. */
    public OptionalDouble value() {
        try {
            return OptionalDouble.of(Double.parseDouble(score.strip()));
        } catch (NumberFormatException | NullPointerException e) {
            return OptionalDouble.empty();
        }
    }
}
