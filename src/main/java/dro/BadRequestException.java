package dro;

import java.time.Duration;

/**
 * The endpoint rejected the request as invalid (HTTP 400, 422 and other 4xx); {@link #endpointMessage()} says why.
 * Not retriable. (Checks dro4j makes before sending anything throw {@link InvalidRequestException}.)
 */
public class BadRequestException extends ApiException {

    public BadRequestException(String message, int statusCode, String endpointMessage, Duration retryAfter,
                               Throwable cause) {
        super(message, statusCode, endpointMessage, retryAfter, cause);
    }

    protected BadRequestException(BadRequestException last, int attempts) {
        super(last, attempts);
    }

    @Override
    public BadRequestException afterAttempts(int attempts) {
        return new BadRequestException(this, attempts);
    }
}
