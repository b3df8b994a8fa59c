package dro.train.run;
import dro.train.Optimizer;
import dro.train.Step;
import dro.train.PathState;

import dro.backend.ChatModel;
import dro.backend.ChatModelResponse;
import dro.prompt.internal.PromptTemplate;
import dro.roles.CallCache;
import dro.roles.internal.JsonReplies;
import dro.roles.internal.LlmRoles;
import dro.roles.internal.Reasker;
import dro.roles.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks the optimiser for new system prompts. */
public final class LlmOptimizer implements Optimizer {
    private static final Logger log = LoggerFactory.getLogger(LlmOptimizer.class);
    /** The optimiser's token cap per sampled prompt. */
    public static final int MAX_TOKENS = 2048;
    /** The optimiser's top-p. */
    public static final double TOP_P = 0.95;

    private final Reasker asker;
    private final int maxReasks;
    private final PromptTemplate template = PromptTemplate.resource("optimizer.txt");

    /** The optimiser at its temperature, top_p 0.95, at most 2048 new tokens, no seed. */
    public LlmOptimizer(ChatModel client, CallCache calls, double temperature, int maxReasks) {
        this(client, calls, temperature, maxReasks, null);
    }

    /**
     * The optimiser at its temperature, top_p 0.95, at most 2048 new tokens.
     *
     * @param seed the run's seed, or null to send no seed
     */
    public LlmOptimizer(ChatModel client, CallCache calls, double temperature, int maxReasks, Long seed) {
        this.asker = new Reasker(client, calls, Role.OPTIMIZER.label(), temperature, TOP_P, MAX_TOKENS, seed);
        this.maxReasks = maxReasks;
    }

    @Override
    public List<String> propose(PathState state, int n, String site) {
        Step last = state.last();
        String prompt = template.render(Map.of("system_prompt", last.systemPrompt(), "history",
                history(state.lastPrompts(5)), "query", last.query(), "output", last.output(), "evaluation",
                LlmRoles.evaluationJson(last.evaluation())));
        List<String> out = new ArrayList<>();
        for (int attempt = 0; attempt <= maxReasks && out.size() < n; attempt++) {
            int want = n - out.size();
            ChatModelResponse r = asker.ask(site, prompt, attempt, want);
            for (String choice : r.texts()) {
                JsonReplies.object(choice).map(o -> o.path("new_system_prompt").asText(""))
                        .filter(s -> !s.isBlank()).ifPresent(out::add);
            }
        }
        if (out.size() < n) {
            log.warn("The optimiser gave {} readable prompt(s) of {} asked for at {}", out.size(), n, site);
        }
        return out.size() > n ? out.subList(0, n) : out;
    }

    /** The recent prompts of a path as the optimiser reads them: {@code Version i:} blocks. */
    public static String history(List<String> prompts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < prompts.size(); i++) {
            sb.append(i == 0 ? "" : "\n\n").append("Version ").append(i + 1).append(":\n").append(prompts.get(i));
        }
        return sb.toString();
    }
}
