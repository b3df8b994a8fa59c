package dro.train.icl;

/**
 * A seed of ICL optimisation: a query and its initial answer, or null when a model is to write the initial answer.
 */
public record IclSeed(String query, String answer) {

    /** Whether the initial answer still has to be written. */
    public boolean needsAnswer() {
        return answer == null || answer.isBlank();
    }
}
