package dro.compat;

import dro.InvalidRequestException;

/** A file of the original DRO that cannot be read: missing, truncated, or not of the expected shape. */
public class ArtifactException extends InvalidRequestException {

    public ArtifactException(String message) {
        super(message);
    }

    public ArtifactException(String message, Throwable cause) {
        super(message, cause);
    }
}
