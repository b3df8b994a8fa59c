package dro.eval;

/**
 * Answers a query under one configuration (the model under evaluation). Implementations are thread-safe: answers
 * are asked for concurrently.
 */
interface Answerer {

    /** The model's answer: the text before {@code <END>}, without markers. */
    String answer(EvalConfiguration configuration, String query);
}
