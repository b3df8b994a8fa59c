package dro.backend;

/**
 * The lower-level chat interface that the library's model roles use (training: aspect selector, judge, optimiser;
 * evaluation: judge): one system message and one user message in, {@code n} sampled replies plus token usage out.
 *
 * <p>Implementations are thread-safe. They retry what a retry can fix and throw a {@link dro.DroException} whose
 * {@link dro.DroException#isRetriable()} says whether the caller may try again later.
 */
public interface ChatClient extends AutoCloseable {

    /** A stable name of the model behind this client (recorded in caches and reports). */
    String modelName();

    /**
     * Whether this client takes {@linkplain ChatCompletionRequest#rawPrompt() raw prompts}: {@code system + user} as
     * one text with no chat template (a local model). API models take messages only.
     */
    default boolean supportsRawPrompt() {
        return false;
    }

    /** Sends one request and returns its {@code n} replies. */
    ChatResponse chat(ChatCompletionRequest request);

    @Override
    default void close() {
    }
}
