package dro;

/**
 * The result of one generation.
 *
 * @param text         the answer: for {@link AutoModel}, the text before {@code <END>}, without markers
 * @param usage        tokens consumed
 * @param finishReason why generation ended
 */
public record Generation(String text, Usage usage, FinishReason finishReason) {

    public Generation withText(String newText) {
        return new Generation(newText, usage, finishReason);
    }
}
