package dro;

import java.time.Duration;

/** The endpoint could not be reached or the connection broke (no HTTP answer). Retriable. */
public class ApiConnectionException extends ApiException {

    public ApiConnectionException(String message, int statusCode, String endpointMessage, Duration retryAfter,
                                  Throwable cause) {
        super(message, statusCode, endpointMessage, retryAfter, cause);
    }

    protected ApiConnectionException(ApiConnectionException last, int attempts) {
        super(last, attempts);
    }

    @Override
    public ApiConnectionException afterAttempts(int attempts) {
        return new ApiConnectionException(this, attempts);
    }

    @Override
    public boolean isRetriable() {
        return true;
    }
}
