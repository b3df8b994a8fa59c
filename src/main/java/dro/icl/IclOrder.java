package dro.icl;

/**
 * The order in which the retrieved in-context examples are appended to the system prompt. The set of examples is the
 * same either way: the {@code numOptimizedIcl} most similar to the query.
 */
public enum IclOrder {

    /** Most similar first: the original's order, and the default. */
    SIMILARITY,

    /**
     * In the order of the ICL file. Queries that retrieve the same examples then get the same system prompt, and
     * queries that share their first examples share a prompt prefix, which a local model computes once and reuses
     * (see {@code AutoModel}, "Prefix reuse"). This changes the prompt, so answers may differ from the original's.
     */
    FILE
}
