package dro;

/** A model that could not be loaded: a missing or corrupt file, an impossible device setting, a native failure. */
public class ModelLoadException extends DroException {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
