package dro;

import java.time.Duration;

/**
 * The endpoint answered, but not with a chat completion that can be read: a truncated or garbled body, an HTML page
 * sent with status 200, JSON of another shape, a completion without choices. Retriable: such answers come far more
 * often from a connection or a proxy that failed on the way than from an endpoint that always answers so, and an
 * endpoint that does ends in this exception once the retry policy's attempts are spent.
 */
public class InvalidResponseException extends ApiException {

    public InvalidResponseException(String message, int statusCode, String endpointMessage, Duration retryAfter,
                                    Throwable cause) {
        super(message, statusCode, endpointMessage, retryAfter, cause);
    }

    protected InvalidResponseException(InvalidResponseException last, int attempts) {
        super(last, attempts);
    }

    @Override
    public InvalidResponseException afterAttempts(int attempts) {
        return new InvalidResponseException(this, attempts);
    }

    @Override
    public boolean isRetriable() {
        return true;
    }
}
