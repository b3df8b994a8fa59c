package dro;

/** The backend failed while generating; the message says what it answered. */
public class GenerationException extends DroException {

    private final boolean retriable;

    public GenerationException(String message, Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    @Override
    public boolean isRetriable() {
        return retriable;
    }
}
