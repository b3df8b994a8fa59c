package dro.compat;

import dro.InvalidRequestException;

/**
 * A file of the original DRO that cannot be used: missing, unreadable, truncated, or not of the expected shape; the
 * message names the file. Not retriable.
 */
public class ArtifactException extends InvalidRequestException {

    public ArtifactException(String message) {
        super(message);
    }

    public ArtifactException(String message, Throwable cause) {
        super(message, cause);
    }
}
