package dro;

/**
 * Tokens a call consumed.
 *
 * @param promptTokens     tokens of the prompt as the model read it
 * @param completionTokens tokens of the generated text
 * @param evaluatedPromptTokens prompt tokens actually computed (the rest were reused from a cache);
 *                              -1 when the backend does not say
 */
public record Usage(int promptTokens, int completionTokens, int evaluatedPromptTokens) {

    public static final Usage NONE = new Usage(0, 0, -1);

    public int totalTokens() {
        return promptTokens + completionTokens;
    }

    public Usage plus(Usage other) {
        return new Usage(promptTokens + other.promptTokens, completionTokens + other.completionTokens,
                evaluatedPromptTokens < 0 || other.evaluatedPromptTokens < 0
                        ? -1 : evaluatedPromptTokens + other.evaluatedPromptTokens);
    }
}
