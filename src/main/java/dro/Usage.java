package dro;

/**
 * Tokens a call consumed.
 *
 * @param promptTokens     tokens of the prompt as the model read it
 * @param completionTokens tokens of the generated text
 * @param evaluatedPromptTokens prompt tokens actually computed, the rest having been reused from a cache: for a local
 *                              model, exactly what llama.cpp evaluated after the prefix its slot already held (at
 *                              least 1); -1 when the backend does not say (API models) or cannot know (see
 *                              {@code LlamaCppBackend}, "Prefix reuse")
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
