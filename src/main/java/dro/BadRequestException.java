package dro;

import java.time.Duration;

/**
 * The endpoint refused a request dro4j sent as invalid (HTTP 400, 422 and other 4xx not named by another
 * {@link ApiException}); {@link #endpointMessage()} says why, in the endpoint's words. The name is the HTTP status's
 * and openai-java's.
 *
 * <p>Not retriable: the endpoint will refuse the same request again. Compare {@link InvalidRequestException}: dro4j
 * refused the call itself, before sending anything (what dro4j can check, it checks first).
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
