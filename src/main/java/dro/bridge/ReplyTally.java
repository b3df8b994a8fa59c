package dro.bridge;

import dro.FinishReason;
import dro.Usage;
import dro.backend.ChatModelResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code n} answers a bridged chat model gets by calling its framework's model {@code n} times, summed into one
 * {@link ChatModelResponse}: the texts and finish reasons in call order, the prompt tokens of the first call (each
 * call sends the same prompt) and the completion tokens of all.
 */
public final class ReplyTally {

    private final List<String> texts;
    private final List<FinishReason> reasons;
    private int promptTokens;
    private int completionTokens;

    /** A tally for {@code n} calls. */
    public ReplyTally(int n) {
        texts = new ArrayList<>(n);
        reasons = new ArrayList<>(n);
    }

    /**
     * Adds one call's answer.
     *
     * @param text             the answer's text; null counts as empty
     * @param reason           why it ended
     * @param promptTokens     the prompt's tokens, null when not reported; only the first call's count
     * @param completionTokens the answer's tokens, null when not reported
     */
    public void add(String text, FinishReason reason, Integer promptTokens, Integer completionTokens) {
        if (texts.isEmpty() && promptTokens != null) {
            this.promptTokens = promptTokens;
        }
        if (completionTokens != null) {
            this.completionTokens += completionTokens;
        }
        texts.add(text == null ? "" : text);
        reasons.add(reason);
    }

    /** The answers so far, with their usage (no total reported: {@code -1}). */
    public ChatModelResponse response() {
        return new ChatModelResponse(texts, new Usage(promptTokens, completionTokens, -1), reasons);
    }
}
