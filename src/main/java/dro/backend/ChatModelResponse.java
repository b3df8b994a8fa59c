package dro.backend;

import dro.FinishReason;
import dro.InvalidRequestException;
import dro.Usage;
import java.util.List;

/**
 * The replies to one {@link ChatModelRequest}.
 *
 * @param texts         the {@code n} replies, in order (stop strings removed)
 * @param usage         tokens the request consumed: the prompt counted once, the completions of all replies summed
 * @param finishReasons why each reply ended, in the order of {@code texts}
 */
public record ChatModelResponse(List<String> texts, Usage usage, List<FinishReason> finishReasons) {

    public ChatModelResponse {
        texts = List.copyOf(texts);
        finishReasons = List.copyOf(finishReasons);
        if (texts.isEmpty() || texts.size() != finishReasons.size()) {
            throw new InvalidRequestException(texts.size() + " texts but " + finishReasons.size()
                    + " finish reasons");
        }
    }

    /** The first reply. */
    public String text() {
        return texts.get(0);
    }

    /** Why the first reply ended. */
    public FinishReason finishReason() {
        return finishReasons.get(0);
    }
}
