package dro.backend.llamacpp;

import dro.DroException;

/**
 * Building the llama.cpp native library failed, or could not start: a tool is missing, the source is not
 * java-llama.cpp at the binding's version, a local llama.cpp or nlohmann/json tree is not that project (or, without
 * {@code --allow-other-llama-cpp}, not llama.cpp at the tag the binding pins), or a step failed. The message names
 * what to do. Not retriable.
 */
public class NativeBuildException extends DroException {

    public NativeBuildException(String message) {
        super(message);
    }

    public NativeBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
