package dro;

import java.time.Duration;

/**
 * The endpoint answered HTTP 429: too many requests or tokens for now. Retriable, after {@link #retryAfter()} if the
 * endpoint said.
 */
public class RateLimitException extends ApiException {

    public RateLimitException(String message, int statusCode, String endpointMessage, Duration retryAfter,
                              Throwable cause) {
        super(message, statusCode, endpointMessage, retryAfter, cause);
    }

    protected RateLimitException(RateLimitException last, int attempts) {
        super(last, attempts);
    }

    @Override
    public RateLimitException afterAttempts(int attempts) {
        return new RateLimitException(this, attempts);
    }

    @Override
    public boolean isRetriable() {
        return true;
    }
}
