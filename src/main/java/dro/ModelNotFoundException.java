package dro;

import java.time.Duration;

/** The endpoint does not know the model, or the URL (HTTP 404). Not retriable: check the model name and base URL. */
public class ModelNotFoundException extends ApiException {

    public ModelNotFoundException(String message, int statusCode, String endpointMessage, Duration retryAfter,
                                  Throwable cause) {
        super(message, statusCode, endpointMessage, retryAfter, cause);
    }

    protected ModelNotFoundException(ModelNotFoundException last, int attempts) {
        super(last, attempts);
    }

    @Override
    public ModelNotFoundException afterAttempts(int attempts) {
        return new ModelNotFoundException(this, attempts);
    }
}
