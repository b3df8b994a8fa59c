package dro.backend;

import dro.FinishReason;
import dro.Generation;
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

    /**
     * The replies of one request generated one by one ({@code n} generations of the same prompt): the prompt counted
     * once, the completions summed, the evaluated prompt tokens summed (or -1 when one of them is unknown).
     *
     * @throws InvalidRequestException when {@code replies} is empty
     */
    public static ChatModelResponse of(List<Generation> replies) {
        Usage usage = null;
        for (Generation g : replies) {
            Usage u = g.usage();
            usage = usage == null ? u : new Usage(usage.promptTokens(), usage.completionTokens() + u.completionTokens(),
                    usage.evaluatedPromptTokens() < 0 || u.evaluatedPromptTokens() < 0 ? -1
                            : usage.evaluatedPromptTokens() + u.evaluatedPromptTokens());
        }
        return new ChatModelResponse(replies.stream().map(Generation::text).toList(), usage,
                replies.stream().map(Generation::finishReason).toList());
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
