package dro.gguf;

import dro.ModelLoadException;

/** A file that is not a readable GGUF model; the message names the file and what is wrong with it. */
public final class GgufException extends ModelLoadException {
    public GgufException(String message) {
        super(message);
    }

    public GgufException(String message, Throwable cause) {
        super(message, cause);
    }
}
