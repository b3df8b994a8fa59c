package dro.backend;

import java.util.List;

/**
 * One request to a backend: the assembled system prompt and user turn plus sampling settings, already validated.
 *
 * @param seed      sampling seed, or null for the backend's default
 * @param rawPrompt the model reads {@code system + user} exactly, with no chat template; only backends whose
 *                  {@link ChatBackend#supportsRawPrompt()} is true take it, others refuse it
 */
public record ChatRequest(String system, String user, double temperature, double topP, int maxNewTokens,
                          List<String> stop, Long seed, boolean rawPrompt) {

    public ChatRequest {
        stop = List.copyOf(stop);
    }

    /** A request rendered with the model's chat template. */
    public ChatRequest(String system, String user, double temperature, double topP, int maxNewTokens,
                       List<String> stop, Long seed) {
        this(system, user, temperature, topP, maxNewTokens, stop, seed, false);
    }
}
