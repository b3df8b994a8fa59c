package dro.backend;

import java.util.List;

/**
 * One request to a backend: the assembled system prompt and user turn plus sampling settings, already validated.
 *
 * @param seed sampling seed, or null for the backend's default
 */
public record ChatRequest(String system, String user, double temperature, double topP, int maxNewTokens,
                          List<String> stop, Long seed) {

    public ChatRequest {
        stop = List.copyOf(stop);
    }
}
