package dro.hub;

import dro.DroException;
import java.time.Duration;
import java.util.Optional;

/**
 * A model file could not be had from the hub or the cache: not found, not authorised, offline and not cached, a
 * failed or corrupt transfer. {@link #isRetriable()} says whether trying again can help (an interrupted transfer or
 * a server error can pass; a missing file, a refused token or offline mode cannot). No message ever contains a token.
 */
public class HubException extends DroException {

    private final boolean retriable;
    private final Duration retryAfter;

    public HubException(String message, boolean retriable) {
        this(message, retriable, null, null);
    }

    public HubException(String message, boolean retriable, Throwable cause) {
        this(message, retriable, null, cause);
    }

    /**
     * @param retryAfter how long the server asked to wait before trying again ({@code Retry-After}), or null
     */
    public HubException(String message, boolean retriable, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retriable = retriable;
        this.retryAfter = retryAfter;
    }

    @Override
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    @Override
    public boolean isRetriable() {
        return retriable;
    }
}
