package dro.backend;

import com.fasterxml.jackson.annotation.JsonInclude;
import dro.InvalidRequestException;
import java.util.List;

/**
 * One request to a {@link ChatClient}.
 *
 * @param system      the system message (may be empty: then no system message is sent)
 * @param user        the user message
 * @param temperature sampling temperature, 0 to 2
 * @param topP        nucleus sampling, in (0, 1]
 * @param maxTokens   at most this many tokens per reply
 * @param n           replies to sample, at least 1
 * @param seed        sampling seed, or null
 * @param jsonMode    ask for a reply that is one JSON object
 * @param stop        stop strings (may be empty)
 * @param rawPrompt   send {@code system + user} as one text with no chat template (for base models trained as the
 *                    original trains them); only clients whose {@link ChatClient#supportsRawPrompt()} is true take
 *                    it, others refuse it. Left out of the request's JSON when false, so recorded calls keep their keys
 */
public record ChatCompletionRequest(String system, String user, double temperature, double topP, int maxTokens,
                                    int n, Long seed, boolean jsonMode, List<String> stop,
                                    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean rawPrompt) {

    public ChatCompletionRequest {
        if (system == null) {
            system = "";
        }
        if (user == null || user.isEmpty()) {
            throw new InvalidRequestException("user message must not be empty");
        }
        if (Double.isNaN(temperature) || temperature < 0 || temperature > 2) {
            throw new InvalidRequestException("temperature must be between 0.0 and 2.0, but was " + temperature);
        }
        if (Double.isNaN(topP) || topP <= 0 || topP > 1) {
            throw new InvalidRequestException("topP must be in (0, 1], but was " + topP);
        }
        if (maxTokens < 1) {
            throw new InvalidRequestException("maxTokens must be positive, but was " + maxTokens);
        }
        if (n < 1) {
            throw new InvalidRequestException("n must be at least 1, but was " + n);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    /** A request rendered with the model's chat template (no raw prompt). */
    public ChatCompletionRequest(String system, String user, double temperature, double topP, int maxTokens, int n,
                                 Long seed, boolean jsonMode, List<String> stop) {
        this(system, user, temperature, topP, maxTokens, n, seed, jsonMode, stop, false);
    }

    /** A single-reply request with the given messages and temperature, top-p 1, up to 2048 tokens. */
    public static ChatCompletionRequest of(String system, String user, double temperature) {
        return new ChatCompletionRequest(system, user, temperature, 1.0, 2048, 1, null, false, List.of());
    }

    public ChatCompletionRequest withN(int newN) {
        return new ChatCompletionRequest(system, user, temperature, topP, maxTokens, newN, seed, jsonMode, stop, rawPrompt);
    }

    public ChatCompletionRequest withJsonMode(boolean json) {
        return new ChatCompletionRequest(system, user, temperature, topP, maxTokens, n, seed, json, stop, rawPrompt);
    }

    public ChatCompletionRequest withSeed(Long newSeed) {
        return new ChatCompletionRequest(system, user, temperature, topP, maxTokens, n, newSeed, jsonMode, stop, rawPrompt);
    }

    public ChatCompletionRequest withMaxTokens(int tokens) {
        return new ChatCompletionRequest(system, user, temperature, topP, tokens, n, seed, jsonMode, stop, rawPrompt);
    }

    /** This request as one raw text prompt ({@code system + user}, no chat template), or not. */
    public ChatCompletionRequest withRawPrompt(boolean raw) {
        return new ChatCompletionRequest(system, user, temperature, topP, maxTokens, n, seed, jsonMode, stop, raw);
    }
}
