package dro;

import java.time.Duration;

/** The endpoint refused the API key (HTTP 401) or the key's access (HTTP 403). Not retriable: fix the key. */
public class AuthenticationException extends ApiException {

    public AuthenticationException(String message, int statusCode, String endpointMessage, Duration retryAfter,
                                   Throwable cause) {
        super(message, statusCode, endpointMessage, retryAfter, cause);
    }

    protected AuthenticationException(AuthenticationException last, int attempts) {
        super(last, attempts);
    }

    @Override
    public AuthenticationException afterAttempts(int attempts) {
        return new AuthenticationException(this, attempts);
    }
}
