package dro;

import java.time.Duration;
import java.util.Optional;

/**
 * The root of every exception this library throws. Subclasses say whether trying the same call again can help
 * ({@link #isRetriable()}): a rate limit or a timeout can pass, a bad argument or a missing file cannot.
 */
public class DroException extends RuntimeException {

    public DroException(String message) {
        super(message);
    }

    public DroException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether the same call may succeed if made again later. */
    public boolean isRetriable() {
        return false;
    }

    /** How long the other side asked to wait before trying again ({@code Retry-After}), if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.empty();
    }
}
