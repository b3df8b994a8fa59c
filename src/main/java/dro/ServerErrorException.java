package dro;

import java.time.Duration;

/** The endpoint answered with a server error (HTTP 5xx). Retriable. */
public class ServerErrorException extends ApiException {

    public ServerErrorException(String message, int statusCode, String endpointMessage, Duration retryAfter,
                                Throwable cause) {
        super(message, statusCode, endpointMessage, retryAfter, cause);
    }

    protected ServerErrorException(ServerErrorException last, int attempts) {
        super(last, attempts);
    }

    @Override
    public ServerErrorException afterAttempts(int attempts) {
        return new ServerErrorException(this, attempts);
    }

    @Override
    public boolean isRetriable() {
        return true;
    }
}
