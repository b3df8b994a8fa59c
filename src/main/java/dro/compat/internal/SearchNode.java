package dro.compat.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A node of the original's beam-search tree ({@code reasoner.search_algo.beam_search.BeamSearchNode}): the state
 * reached (every step so far), the action that led here (the system prompt proposed), its reward, and its place in
 * the tree.
 *
 * <p>Immutable once read; thread-safe.
 */
public final class SearchNode {

    private final int id;
    private final List<SubResult> state;
    private final String action;
    private final double reward;
    private SearchNode parent;
    private List<SearchNode> children = List.of();

    SearchNode(int id, List<SubResult> state, String action, double reward) {
        this.id = id;
        this.state = state;
        this.action = action;
        this.reward = reward;
    }

    void link(SearchNode parent, List<SearchNode> children) {
        this.parent = parent;
        this.children = Collections.unmodifiableList(new ArrayList<>(children));
    }

    /** The node's number in the search (the root is 0). */
    public int id() {
        return id;
    }

    /** Every step on the path to this node, oldest first. */
    public List<SubResult> state() {
        return state;
    }

    /** The last step of {@link #state()}, if there is one. */
    public Optional<SubResult> lastStep() {
        return state.isEmpty() ? Optional.empty() : Optional.of(state.get(state.size() - 1));
    }

    /** The action that led here (the proposed system prompt); empty for the root. */
    public Optional<String> action() {
        return Optional.ofNullable(action);
    }

    /** The reward the search gave this node. */
    public double reward() {
        return reward;
    }

    /** The node this one was expanded from; empty for the root. */
    public Optional<SearchNode> parent() {
        return Optional.ofNullable(parent);
    }

    /** The nodes expanded from this one, in the order the search stored them. */
    public List<SearchNode> children() {
        return children;
    }

    public boolean isRoot() {
        return parent == null;
    }

    public boolean isLeaf() {
        return children.isEmpty();
    }

    /** Edges from the root to this node (0 for the root). */
    public int depth() {
        int d = 0;
        for (SearchNode n = parent; n != null; n = n.parent) {
            d++;
        }
        return d;
    }

    /** The nodes from the root down to this one, both included. */
    public List<SearchNode> pathFromRoot() {
        List<SearchNode> path = new ArrayList<>();
        for (SearchNode n = this; n != null; n = n.parent) {
            path.add(n);
        }
        Collections.reverse(path);
        return Collections.unmodifiableList(path);
    }

    /** This node and everything below it, depth first, children in stored order. */
    public Stream<SearchNode> walk() {
        List<SearchNode> out = new ArrayList<>();
        Deque<SearchNode> todo = new ArrayDeque<>();
        todo.push(this);
        while (!todo.isEmpty()) {
            SearchNode n = todo.pop();
            out.add(n);
            for (int i = n.children.size() - 1; i >= 0; i--) {
                todo.push(n.children.get(i));
            }
        }
        return out.stream();
    }

    @Override
    public String toString() {
        return "SearchNode[id=" + id + ", depth=" + depth() + ", steps=" + state.size() + ", reward=" + reward
                + ", children=" + children.size() + "]";
    }
}
