package dro.compat.internal;

/**
 * A Python class or function named by a pickle ({@code GLOBAL}/{@code STACK_GLOBAL}), as a name only: nothing is
 * looked up or run.
 *
 * @param module e.g. {@code reasoner.search_algo.beam_search}
 * @param name   e.g. {@code BeamSearchResult}
 */
public record PyGlobal(String module, String name) {

    /** {@code module.name}. */
    public String qualifiedName() {
        return module + "." + name;
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
