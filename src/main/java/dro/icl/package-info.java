/**
 * In-context examples and their retrieval: the example sets, their order, the embedder (MiniLM through LangChain4j's
 * embeddings when present) and the retriever that picks the top k for a query.
 *
 * <p>Layer 3: uses the layers below.
 */
package dro.icl;
