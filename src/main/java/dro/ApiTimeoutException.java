package dro;

import java.time.Duration;

/** The endpoint did not answer within the timeout (or answered HTTP 408). Retriable. */
public class ApiTimeoutException extends ApiException {

    public ApiTimeoutException(String message, int statusCode, String endpointMessage, Duration retryAfter,
                               Throwable cause) {
        super(message, statusCode, endpointMessage, retryAfter, cause);
    }

    protected ApiTimeoutException(ApiTimeoutException last, int attempts) {
        super(last, attempts);
    }

    @Override
    public ApiTimeoutException afterAttempts(int attempts) {
        return new ApiTimeoutException(this, attempts);
    }

    @Override
    public boolean isRetriable() {
        return true;
    }
}
