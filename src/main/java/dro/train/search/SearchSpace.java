package dro.train.search;

import dro.train.search.BeamSearch;
import java.util.List;

/**
 * What {@link BeamSearch} searches: how a state is expanded into actions, how an action leads to a new state, and
 * what a state is worth. Implementations may do their work for a whole level at once (in parallel), but must return
 * results in the order of their arguments.
 *
 * @param <S> a state (for DRO: the steps taken so far)
 * @param <A> an action (for DRO: a system prompt)
 */
public interface SearchSpace<S, A> {

    /** The actions of a state, and whether this state asks for the depth limit to be extended. */
    record Actions<A>(List<A> actions, boolean extendDepth) {
        public Actions {
            actions = List.copyOf(actions);
        }
    }

    /** A state and one of its actions. */
    record Transition<S, A>(S state, A action) { }

    /** The first state. */
    S init();

    /** The actions of each state, in order. */
    List<Actions<A>> actions(List<S> states);

    /** The state each transition leads to, in order. */
    List<S> step(List<Transition<S, A>> transitions);

    /** The reward of the last step of {@code state}. */
    double reward(S state);

    /** Whether {@code state} ends its path under the current depth limit. */
    boolean isTerminal(S state, int depthLimit);
}
