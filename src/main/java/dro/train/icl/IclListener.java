package dro.train.icl;

import dro.roles.CallCache;

/** Progress of an ICL optimisation run. Called from the worker threads, one call at a time. */
public interface IclListener {

    /** Nothing. */
    IclListener NONE = new IclListener() { };

    /**
     * After each seed is done.
     *
     * @param done   seeds done so far
     * @param total  seeds in the run
     * @param answer what became of this seed
     * @param stats  calls made and reused, tokens spent
     */
    default void onSeed(int done, int total, RefinedAnswer answer, CallCache.Stats stats) {
    }
}
