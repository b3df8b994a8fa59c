package dro.backend;

import dro.Usage;
import java.util.List;

/**
 * The replies to one {@link ChatCompletionRequest}.
 *
 * @param choices the {@code n} replies, in order
 * @param usage   tokens the request consumed (prompt counted once, completions summed)
 */
public record ChatResponse(List<String> choices, Usage usage) {

    public ChatResponse {
        choices = List.copyOf(choices);
    }

    /** The first reply. */
    public String text() {
        return choices.get(0);
    }
}
