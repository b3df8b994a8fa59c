/**
 * In-context example retrieval inside: {@link dro.icl.internal.IclRetriever} picks the examples nearest a query by
 * the embedder's similarity. Not exported: the facade, the roles and the evaluation retrieve through it; a user
 * chooses the examples ({@link dro.icl.IclExamples}), the embedder ({@link dro.icl.Embedder}) and how many to use.
 *
 * <p>Layer 3, with {@link dro.icl}: uses the layers below.
 */
package dro.icl.internal;
