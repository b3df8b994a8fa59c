package dro.bridge;

import dro.GenerateOptions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat-turn rules of the bridges, once: the last message (the caller's query, already checked to be a text user
 * message) is answered alone; the last system message before it replaces the optimised system prompt, as
 * {@code userSpecifiedSystemPrompt}; earlier user and assistant turns are not sent (DRO answers one query under its
 * system prompt and ICL examples) and are counted at DEBUG; options DRO does not honour are refused by name; of the
 * rest temperature, top-p, the token limit and stop sequences (added to DRO's) are honoured.
 */
public final class ChatTurns {

    private static final Logger log = LoggerFactory.getLogger(ChatTurns.class);

    private ChatTurns() {
    }

    /**
     * One turn before the query.
     *
     * @param system whether it is a system message
     * @param text   a system message's text; null for a user or assistant turn
     */
    public record Turn(boolean system, String text) {

        /** A system message. */
        public static Turn system(String text) {
            return new Turn(true, text);
        }

        /** A user or assistant turn, which is not sent. */
        public static Turn other() {
            return new Turn(false, null);
        }
    }

    /**
     * The sampling options a request set; null where it set none.
     *
     * @param temperature the temperature
     * @param topP        top-p
     * @param maxTokens   the most new tokens
     * @param stop        stop sequences, added to the base options' own
     */
    public record Sampling(Double temperature, Double topP, Integer maxTokens, List<String> stop) {

        /** A request that set no options. */
        public static final Sampling NONE = new Sampling(null, null, null, null);
    }

    /**
     * The options the query is generated with.
     *
     * @param base        the options a request starts from
     * @param earlier     the turns before the query, in order
     * @param unsupported the names of options set that DRO does not honour
     * @param refusal     the bridge's exception for those, given their names joined by {@code ", "}
     * @param sampling    the honoured options set
     * @throws RuntimeException from {@code refusal} when {@code unsupported} is not empty
     * @throws dro.InvalidRequestException when the options built are invalid
     */
    public static GenerateOptions options(GenerateOptions base, List<Turn> earlier, List<String> unsupported,
                                          Function<String, ? extends RuntimeException> refusal, Sampling sampling) {
        String system = null;
        int dropped = 0;
        for (Turn t : earlier) {
            if (t.system()) {
                system = t.text();
            } else {
                dropped++;
            }
        }
        if (dropped > 0) {
            log.debug("{} earlier chat turn(s) not sent: dro4j answers the last user message alone", dropped);
        }
        GenerateOptions.Builder o = base.toBuilder();
        if (system != null) {
            o.userSpecifiedSystemPrompt(system);
        }
        if (!unsupported.isEmpty()) {
            throw refusal.apply(String.join(", ", unsupported));
        }
        if (sampling.temperature() != null) {
            o.temperature(sampling.temperature());
        }
        if (sampling.topP() != null) {
            o.topP(sampling.topP());
        }
        if (sampling.maxTokens() != null) {
            o.maxNewTokens(sampling.maxTokens());
        }
        if (sampling.stop() != null && !sampling.stop().isEmpty()) {
            Set<String> stop = new LinkedHashSet<>(base.stop());
            stop.addAll(sampling.stop());
            o.stop(List.copyOf(stop));
        }
        return o.build();
    }
}
