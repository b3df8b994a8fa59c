package dro.train.run;
import dro.roles.CallCache;

/** Progress of a training run. Called on the thread that runs the search. */
public interface TrainListener {

    /** Nothing. */
    TrainListener NONE = new TrainListener() { };

    /**
     * After each level of the search.
     *
     * @param level           levels done so far
     * @param depthLimit      the current depth limit (it grows when easy steps extend it)
     * @param beamBest        the best path score in the new beam
     * @param bestSoFar       the best path score seen so far
     * @param stats           calls made and reused, tokens spent
     * @param remainingCalls  an estimate of the model calls left (at most this many)
     */
    default void onLevel(int level, int depthLimit, double beamBest, double bestSoFar, CallCache.Stats stats,
                         long remainingCalls) {
    }
}
