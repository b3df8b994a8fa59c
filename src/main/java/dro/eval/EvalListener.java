package dro.eval;

import dro.roles.CallCache;

/** Progress of an evaluation. Called from the worker threads, one call at a time. */
public interface EvalListener {

    /** Nothing. */
    EvalListener NONE = new EvalListener() { };

    /**
     * After each answer is judged.
     *
     * @param done   answers judged so far
     * @param total  answers in the run (configurations × queries)
     * @param answer the judged answer
     * @param stats  calls made and reused, tokens spent
     */
    default void onAnswer(int done, int total, ScoredAnswer answer, CallCache.Stats stats) {
    }
}
