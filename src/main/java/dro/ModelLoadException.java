package dro;

/**
 * A local model could not be loaded: a missing or corrupt model file, a native library that cannot be found,
 * extracted or loaded, a device setting this machine cannot meet. The message names the file or setting. Not
 * retriable.
 */
public class ModelLoadException extends DroException {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
