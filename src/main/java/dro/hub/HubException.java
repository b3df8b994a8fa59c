package dro.hub;

import dro.DroException;

/**
 * A model file could not be had from the hub or the cache: not found, not authorised, offline and not cached, a
 * failed or corrupt transfer. {@link #isRetriable()} says whether trying again can help (an interrupted transfer or
 * a server error can pass; a missing file, a refused token or offline mode cannot). No message ever contains a token.
 */
public class HubException extends DroException {

    private final boolean retriable;

    public HubException(String message, boolean retriable) {
        super(message);
        this.retriable = retriable;
    }

    public HubException(String message, boolean retriable, Throwable cause) {
        super(message, cause);
        this.retriable = retriable;
    }

    @Override
    public boolean isRetriable() {
        return retriable;
    }
}
