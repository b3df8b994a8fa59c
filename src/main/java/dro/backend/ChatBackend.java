package dro.backend;

import dro.Generation;
import dro.TokenStream;
import java.util.List;

/**
 * A model that answers a system prompt plus a user turn: a local llama.cpp model or an OpenAI-compatible endpoint.
 *
 * <p>Implementations are thread-safe: any number of threads may call {@link #stream} and {@link #generate} at once.
 */
public interface ChatBackend extends AutoCloseable {

    /** The exact text the model will read for this system prompt and user turn. */
    String renderPrompt(String system, String user);

    /**
     * Whether this backend takes {@linkplain ChatRequest#rawPrompt() raw prompts} (the model reads
     * {@code system + user} exactly, with no chat template). Those that do not refuse them.
     */
    default boolean supportsRawPrompt() {
        return false;
    }

    /** Starts a generation whose pieces arrive as the model produces them. */
    TokenStream stream(ChatRequest request);

    /** Generates to the end. The returned text is the model's raw output (stop strings removed). */
    default Generation generate(ChatRequest request) {
        try (TokenStream s = stream(request)) {
            while (s.hasNext()) {
                s.next();
            }
            return s.result();
        }
    }

    /** Generates every request, as concurrently as the backend allows; results in request order. */
    List<Generation> generateAll(List<ChatRequest> requests);

    /**
     * Generates every request like {@link #generateAll}, but free to run them in another order so that requests whose
     * prompts share a prefix run one after another: a backend that keeps what it computed for a prompt (a local
     * model's slots) then computes each shared prefix about once. Results in request order. The default runs
     * {@link #generateAll}.
     */
    default List<Generation> generateAllSharingPrefixes(List<ChatRequest> requests) {
        return generateAll(requests);
    }

    /** Releases what can be released. The backend must not be used afterwards. */
    @Override
    void close();
}
