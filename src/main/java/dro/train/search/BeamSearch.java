package dro.train.search;

import dro.train.search.SearchSpace;
import dro.InvalidRequestException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Beam search as DRO runs it (Singla et al., EMNLP 2024, on the llm-reasoners beam search): a pure loop over a
 * {@link SearchSpace}, with no I/O of its own.
 *
 * <ol>
 *   <li>The root holds the initial state with reward 0, which is not part of any path's rewards.</li>
 *   <li>At each level every live beam item (in beam order) is expanded by all its actions (in order); children are
 *   numbered in that order. A state is live while {@link SearchSpace#isTerminal} says no under the current depth
 *   limit; terminal states leave the beam.</li>
 *   <li>Children are ranked by their path's aggregated reward: the mean of the path's rewards when the beam is wider
 *   than 1, else the last reward. The sort is stable: equal scores keep creation order. The best {@code beamSize}
 *   stay.</li>
 *   <li>If any state of a level asked for it ({@link SearchSpace.Actions#extendDepth()}), the depth limit grows by
 *   one, at most once per level and at most {@code maxDepthIncrease} times in all.</li>
 *   <li>The result is the best terminal path under the same ranking.</li>
 * </ol>
 *
 * <p>Deterministic given a deterministic search space. Instances are immutable; {@link #run} may be called from
 * several threads with different spaces.
 */
public final class BeamSearch {

    private final int beamSize;
    private final int depth;
    private final int maxDepthIncrease;

    /** One node of the search tree. */
    public static final class Node<S, A> {
        private final int id;
        private final S state;
        private final A action;
        private final double reward;
        private final Node<S, A> parent;
        private final List<Node<S, A>> children = new ArrayList<>();
        private final double score;
        private final int pathLength;

        Node(int id, S state, A action, double reward, Node<S, A> parent, double score, int pathLength) {
            this.id = id;
            this.state = state;
            this.action = action;
            this.reward = reward;
            this.parent = parent;
            this.score = score;
            this.pathLength = pathLength;
        }

        public int id() {
            return id;
        }

        public S state() {
            return state;
        }

        /** The action that led here; null at the root. */
        public A action() {
            return action;
        }

        /** The reward of this node's step (0 at the root). */
        public double reward() {
            return reward;
        }

        public Node<S, A> parent() {
            return parent;
        }

        public List<Node<S, A>> children() {
            return List.copyOf(children);
        }

        /** The aggregated reward of the path from the root to here (root excluded). */
        public double score() {
            return score;
        }

        /** The nodes from the root to this one. */
        public List<Node<S, A>> path() {
            List<Node<S, A>> p = new ArrayList<>();
            for (Node<S, A> n = this; n != null; n = n.parent) {
                p.add(0, n);
            }
            return p;
        }

        /** The rewards along the path, root excluded. */
        public List<Double> rewards() {
            List<Double> r = new ArrayList<>();
            for (Node<S, A> n : path().subList(1, pathLength + 1)) {
                r.add(n.reward);
            }
            return r;
        }
    }

    /** What a level did, for progress reporting. */
    public record LevelEvent<S, A>(int level, int depthLimit, List<Node<S, A>> beam, int childrenCreated) { }

    /**
     * @param terminal the best terminal node; its state's last action is the search's answer
     * @param root     the whole tree
     */
    public record Result<S, A>(Node<S, A> terminal, Node<S, A> root, int depthLimit, int nodes) {

        /** The aggregated reward of the best path. */
        public double score() {
            return terminal.score();
        }
    }

    public BeamSearch(int beamSize, int depth, int maxDepthIncrease) {
        if (beamSize < 1) {
            throw new InvalidRequestException("beamSize must be at least 1, but was " + beamSize);
        }
        if (depth < 1) {
            throw new InvalidRequestException("depth must be at least 1, but was " + depth);
        }
        if (maxDepthIncrease < 0) {
            throw new InvalidRequestException("maxDepthIncrease must be 0 or more, but was " + maxDepthIncrease);
        }
        this.beamSize = beamSize;
        this.depth = depth;
        this.maxDepthIncrease = maxDepthIncrease;
    }

    public <S, A> Result<S, A> run(SearchSpace<S, A> space) {
        return run(space, e -> { });
    }

    /** Runs the search, telling {@code onLevel} after each level. */
    public <S, A> Result<S, A> run(SearchSpace<S, A> space, Consumer<LevelEvent<S, A>> onLevel) {
        int[] ids = {0};
        Node<S, A> root = new Node<>(ids[0]++, space.init(), null, 0.0, null, 0.0, 0);
        List<Node<S, A>> beam = List.of(root);
        List<Node<S, A>> terminal = new ArrayList<>();
        int limit = depth;
        int extensions = 0;
        int level = 0;
        while (true) {
            List<Node<S, A>> live = new ArrayList<>();
            for (Node<S, A> n : beam) {
                if (space.isTerminal(n.state, limit)) {
                    terminal.add(n);
                } else {
                    live.add(n);
                }
            }
            if (live.isEmpty()) {
                break;
            }
            level++;
            List<SearchSpace.Actions<A>> actions = space.actions(live.stream().map(n -> n.state).toList());
            if (actions.size() != live.size()) {
                throw new InvalidRequestException("The search space's actions() returned " + actions.size()
                        + " results for " + live.size() + " states");
            }
            List<SearchSpace.Transition<S, A>> transitions = new ArrayList<>();
            List<Node<S, A>> parents = new ArrayList<>();
            boolean extend = false;
            for (int i = 0; i < live.size(); i++) {
                extend |= actions.get(i).extendDepth();
                for (A a : actions.get(i).actions()) {
                    transitions.add(new SearchSpace.Transition<>(live.get(i).state, a));
                    parents.add(live.get(i));
                }
            }
            List<S> next = space.step(transitions);
            if (next.size() != transitions.size()) {
                throw new InvalidRequestException("The search space's step() returned " + next.size()
                        + " states for " + transitions.size() + " transitions");
            }
            List<Node<S, A>> children = new ArrayList<>();
            for (int i = 0; i < next.size(); i++) {
                Node<S, A> parent = parents.get(i);
                double reward = space.reward(next.get(i));
                List<Double> rewards = new ArrayList<>(parent == root ? List.of() : parent.rewards());
                rewards.add(reward);
                Node<S, A> child = new Node<>(ids[0]++, next.get(i), transitions.get(i).action(), reward, parent,
                        aggregate(rewards), parent.pathLength + 1);
                parent.children.add(child);
                children.add(child);
            }
            children.sort(Comparator.comparingDouble((Node<S, A> n) -> n.score).reversed()); // stable
            beam = List.copyOf(children.subList(0, Math.min(beamSize, children.size())));
            if (extend && extensions < maxDepthIncrease) {
                limit++;
                extensions++;
            }
            onLevel.accept(new LevelEvent<>(level, limit, beam, children.size()));
        }
        if (terminal.isEmpty()) {
            throw new InvalidRequestException("The search ended without a terminal state: the search space's"
                    + " isTerminal() never held for a state it reached");
        }
        terminal.sort(Comparator.comparingDouble((Node<S, A> n) -> n.score).reversed());
        return new Result<>(terminal.get(0), root, limit, ids[0]);
    }

    /** Mean of the rewards when the beam is wider than one (summed in order, as the original does), else the last. */
    double aggregate(List<Double> rewards) {
        if (beamSize == 1) {
            return rewards.get(rewards.size() - 1);
        }
        double sum = 0;
        for (double r : rewards) {
            sum += r;
        }
        return sum / rewards.size();
    }
}
