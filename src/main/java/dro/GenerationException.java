package dro;

/**
 * A model failed while generating, after the request was accepted: llama.cpp failed or ran out of context cache, a
 * local generation timed out, a wrapped LangChain4j model failed, a wait was interrupted, or the model's answer is of
 * no use (an empty answer where one is needed). The message says what happened. (An OpenAI-compatible endpoint's
 * failures are {@link ApiException}s.)
 *
 * <p>{@link #isRetriable()} says, case by case, whether trying again can help: a timeout or an interruption can
 * pass, a refusal by llama.cpp cannot.
 */
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
