package dro.compat.internal;

import dro.compat.ArtifactException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The result of an original DRO prompt search ({@code reasoner.search_algo.beam_search.BeamSearchResult}), as plain
 * data: the best terminal node, its cumulative reward, the whole search tree and the trace of the best path.
 *
 * <p>Immutable; thread-safe.
 *
 * @param terminalNode the end of the best path
 * @param cumReward    the best path's aggregated reward
 * @param tree         the root of the search tree
 * @param trace        the best path step by step
 */
public record BeamSearchResult(SearchNode terminalNode, double cumReward, SearchNode tree, List<TraceStep> trace)
        implements TrainingOutput {

    public BeamSearchResult {
        trace = List.copyOf(trace);
    }

    /** {@code terminal_node.state[-1].system_prompt}, as the original reads it. */
    @Override
    public String optimizedPrompt() {
        return terminalNode.lastStep()
                .orElseThrow(() -> new ArtifactException("The terminal node " + terminalNode.id() + " has no steps"))
                .systemPrompt();
    }

    /** Every node of the tree, depth first from the root, children in stored order. */
    public List<SearchNode> nodes() {
        return tree.walk().toList();
    }

    /** The node with this id. */
    public Optional<SearchNode> node(int id) {
        return tree.walk().filter(n -> n.id() == id).findFirst();
    }

    /** Nodes by id. */
    public Map<Integer, SearchNode> nodesById() {
        return tree.walk().collect(Collectors.toUnmodifiableMap(SearchNode::id, Function.identity(), (a, b) -> a));
    }

    /** The best path, root first. */
    public List<SearchNode> terminalPath() {
        return terminalNode.pathFromRoot();
    }
}
