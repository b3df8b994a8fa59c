package dro;

import java.time.Duration;
import java.util.Optional;

/**
 * A remote endpoint (an OpenAI-compatible server) did not give a usable answer. The message says what it answered:
 * the HTTP status and the endpoint's own error message, or that it did not answer in time. Keys and
 * {@code Authorization} headers never appear in it.
 *
 * <p>Subclasses say whether a retry can help ({@link #isRetriable()}):
 * <ul>
 *   <li>retriable: {@link RateLimitException} (429), {@link ServerErrorException} (5xx),
 *       {@link ApiTimeoutException} (no answer in time, 408), {@link ApiConnectionException} (no connection),
 *       {@link InvalidResponseException} (an answer that is not a readable chat completion: garbled, truncated);</li>
 *   <li>not retriable: {@link AuthenticationException} (401, 403), {@link ModelNotFoundException} (404),
 *       {@link BadRequestException} (400 and other 4xx), and this class itself for any other failure.</li>
 * </ul>
 * dro4j retries the retriable ones itself; what reaches the caller has {@link #attempts()} tries behind it.
 */
public class ApiException extends DroException {

    private final int statusCode;
    private final String endpointMessage;
    private final Duration retryAfter;
    private final int attempts;

    /**
     * @param statusCode      the HTTP status, or -1 when there was no HTTP answer or it could not be read
     * @param endpointMessage the endpoint's own error message ("" if it gave none)
     * @param retryAfter      how long the endpoint asked to wait before retrying, or null
     */
    public ApiException(String message, int statusCode, String endpointMessage, Duration retryAfter,
                        Throwable cause) {
        super(message, cause);
        this.statusCode = statusCode;
        this.endpointMessage = endpointMessage == null ? "" : endpointMessage;
        this.retryAfter = retryAfter;
        this.attempts = 1;
    }

    /** The failure {@code last}, reported after {@code attempts} tries; {@code last} becomes the cause. */
    protected ApiException(ApiException last, int attempts) {
        super(last.getMessage() + "; gave up after " + attempts + " attempts", last);
        this.statusCode = last.statusCode;
        this.endpointMessage = last.endpointMessage;
        this.retryAfter = last.retryAfter;
        this.attempts = attempts;
    }

    /**
     * The HTTP status the endpoint answered with, or -1 when there was no HTTP answer (timeout, no connection) or the
     * answer could not be read.
     */
    public int statusCode() {
        return statusCode;
    }

    /** The endpoint's own error message, or "" if it gave none. */
    public String endpointMessage() {
        return endpointMessage;
    }

    /** How long the endpoint asked to wait before trying again ({@code Retry-After}), if it said. */
    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** How many times the request was tried before this exception was thrown. */
    public int attempts() {
        return attempts;
    }

    /** The same failure, reported after {@code attempts} tries (the message says so). Subclasses keep their type. */
    public ApiException afterAttempts(int attempts) {
        return new ApiException(this, attempts);
    }
}
