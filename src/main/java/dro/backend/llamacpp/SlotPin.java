package dro.backend.llamacpp;

import de.kherud.llama.InferenceParameters;
import java.lang.reflect.Field;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts llama.cpp's {@code id_slot} into a completion request. The binding's {@link InferenceParameters} has no setter
 * for it, but sends its parameter map as the completion's JSON, which llama.cpp reads {@code id_slot} from. The same
 * way, a prompt can be given as a list of tokens.
 */
final class SlotPin {

    private static final Logger log = LoggerFactory.getLogger(SlotPin.class);
    private static final Field PARAMETERS = parametersField();

    /** Whether requests can be pinned to slots with this binding. */
    static final boolean AVAILABLE = PARAMETERS != null;

    private SlotPin() { }

    /** Sends the request to slot {@code slot}. */
    @SuppressWarnings("unchecked")
    static void pin(InferenceParameters parameters, int slot) {
        try {
            ((Map<String, String>) PARAMETERS.get(parameters)).put("id_slot", Integer.toString(slot));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Cannot set id_slot", e);
        }
    }

    /**
     * Makes the prompt an empty list of tokens (a text prompt gets at least the BOS token): llama.cpp frees the slot
     * and answers with an empty final output, evaluating nothing.
     */
    @SuppressWarnings("unchecked")
    static void emptyTokenPrompt(InferenceParameters parameters) {
        try {
            ((Map<String, String>) PARAMETERS.get(parameters)).put("prompt", "[]");
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Cannot set the prompt", e);
        }
    }

    private static Field parametersField() {
        try {
            Field f = InferenceParameters.class.getSuperclass().getDeclaredField("parameters");
            f.setAccessible(true);
            if (!Map.class.isAssignableFrom(f.getType())) {
                return null;
            }
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("cannot reach the binding's completion parameters: {}", e.toString());
            return null;
        }
    }
}
