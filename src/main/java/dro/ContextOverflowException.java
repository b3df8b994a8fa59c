package dro;

/**
 * The assembled prompt does not fit in the model's context; nothing was generated. Not retriable: shorten the prompt
 * (fewer in-context examples, a shorter system prompt or query) or load the model with a larger context.
 */
public final class ContextOverflowException extends InvalidRequestException {

    private final int promptTokens;
    private final int contextTokens;

    public ContextOverflowException(int promptTokens, int contextTokens, String hint) {
        super("The prompt is " + promptTokens + " tokens but the context holds " + contextTokens
                + " tokens per request (maxModelLen); " + hint);
        this.promptTokens = promptTokens;
        this.contextTokens = contextTokens;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int contextTokens() {
        return contextTokens;
    }
}
