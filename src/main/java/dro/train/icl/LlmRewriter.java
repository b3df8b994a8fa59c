package dro.train.icl;

import dro.backend.ChatModel;
import dro.backend.ChatModelResponse;
import dro.train.icl.IclAnswers;
import dro.prompt.internal.PromptTemplate;
import dro.roles.CallCache;
import dro.roles.Evaluation;
import dro.roles.internal.JsonReplies;
import dro.roles.internal.LlmRoles;
import dro.roles.internal.Reasker;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Rewriter} played by a language model with {@code prompts/rewrite.txt}. Its reply is JSON with
 * {@code new_response}; the markers are normalised ({@link IclAnswers#wrap}). An unreadable reply is asked again, at
 * most {@code maxReasks} times. Every call goes through the run's {@link CallCache}, keyed by the round, so a
 * resumed run makes no call twice.
 *
 * <p>Thread-safe.
 */
final class LlmRewriter implements Rewriter {

    private static final Logger log = LoggerFactory.getLogger(LlmRewriter.class);

    /** The rewriter's token cap per rewritten answer. */
    public static final int MAX_TOKENS = 2048;

    private final Reasker asker;
    private final int maxReasks;
    private final PromptTemplate template = PromptTemplate.resource("rewrite.txt");

    public LlmRewriter(ChatModel client, CallCache calls, double temperature, int maxReasks) {
        this.asker = new Reasker(client, calls, "rewriter", temperature, 1.0, MAX_TOKENS, null);
        this.maxReasks = maxReasks;
    }

    @Override
    public Optional<String> rewrite(String query, String answer, List<String> aspects, Evaluation critique,
                                    int round) {
        String prompt = template.render(Map.of("query", query, "answer", answer, "aspects",
                LlmRoles.aspectList(aspects), "feedback", LlmRoles.evaluationJson(critique)));
        for (int attempt = 0; attempt <= maxReasks; attempt++) {
            ChatModelResponse r = asker.ask("R" + round, prompt, attempt, 1);
            Optional<String> wrapped = JsonReplies.object(r.text())
                    .map(o -> o.path("new_response").asText(""))
                    .flatMap(IclAnswers::wrap);
            if (wrapped.isPresent()) {
                return wrapped;
            }
        }
        log.warn("The rewriter's reply for query {} in round {} stayed unreadable after {} re-asks",
                dro.internal.Validation.quote(query), round, maxReasks);
        return Optional.empty();
    }
}
