package dro.train;

import java.util.List;

/**
 * The optimiser role of a DRO search: proposes {@code n} new system prompts for the last step of a path. {@code site}
 * names the call's place in the search (see {@link dro.roles.internal.Roles}). Implementations are thread-safe.
 */
public interface Optimizer {
    List<String> propose(PathState state, int n, String site);
}
