package dro.backend;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What one endpoint of a {@link RoutingChatModel} did so far. Written as it is into a run's {@code result.json} and
 * {@code summary.json} (snake_case keys).
 *
 * @param endpoint          the endpoint's name ({@link Endpoint#name()}: its base URL)
 * @param calls             requests it answered (a stream counts once it ends)
 * @param promptTokens      prompt tokens of those answers
 * @param completionTokens  completion tokens of those answers
 * @param errors            attempts that failed on it, retried elsewhere or not
 * @param meanLatencyMillis the mean time of an answered request, from sending to the whole answer; 0 without calls
 */
@JsonPropertyOrder({"endpoint", "calls", "prompt_tokens", "completion_tokens", "errors", "mean_latency_ms"})
public record EndpointStats(String endpoint, long calls, @JsonProperty("prompt_tokens") long promptTokens,
                            @JsonProperty("completion_tokens") long completionTokens, long errors,
                            @JsonProperty("mean_latency_ms") double meanLatencyMillis) {

    /** Prompt and completion tokens. */
    public long tokens() {
        return promptTokens + completionTokens;
    }

    /** One line for a report, e.g. {@code 12 calls, 3400 + 560 tokens, 0 errors, 52 ms mean latency}. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%d calls, %d + %d tokens, %d errors, %.0f ms mean latency", calls,
                promptTokens, completionTokens, errors, meanLatencyMillis);
    }
}
