package dro.bridge;

import dro.GenerationException;

/** What a bridged chat model does with the framework's model it wraps, once for both bridges. */
public final class Delegates {

    private Delegates() {
    }

    /**
     * Closes the wrapped model if it is {@link AutoCloseable}; does nothing otherwise.
     *
     * @param delegate the framework's model
     * @param name     the bridged model's name, for the message
     * @throws GenerationException (not retriable) naming the model when closing fails
     */
    public static void close(Object delegate, String name) {
        if (delegate instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new GenerationException("closing " + name + " failed: " + e.getMessage(), e, false);
            }
        }
    }
}
