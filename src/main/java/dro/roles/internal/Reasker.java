package dro.roles.internal;

import dro.roles.CallCache;
import dro.roles.Role;
import dro.roles.RecordingChatModel;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ModelCapabilities.Capability;
import dro.backend.ResponseFormat;

/**
 * Asks one role's JSON-mode prompt, and asks again when the caller could not read the reply: the re-asks that the
 * judges, the metrics models, the optimiser and the ICL rewriter share. Attempt 0 sends the prompt; attempt
 * {@code a > 0} sends the prompt plus {@link #REASK}, recorded at the site {@code site + "/reask" + a} (a
 * deterministic call, site "", stays at ""), so that each re-ask is a call of its own in the run's
 * {@link CallCache}, as runs have always recorded them. What counts as readable, and what to keep of a partly
 * readable reply, stays with the role: it loops over the attempts.
 *
 * <p>With a seed, attempt {@code a} sends {@link Seeds#derive}{@code (seed, role, site)} of its site (for a
 * deterministic call, of {@code "reask" + a}); without one, no seed. Thread-safe.
 */
public final class Reasker {

    /** Re-asks of an unreadable reply a run makes by default (the training, ICL and evaluation runs and the CLI). */
    public static final int DEFAULT_MAX_REASKS = 2;

    /** Appended to a prompt whose reply could not be read, when it is asked again. */
    public static final String REASK = "\n\nYour previous reply could not be read as the JSON object described above."
            + " Reply again with only that JSON object.";

    private final RecordingChatModel model;
    private final String role;
    private final double temperature;
    private final double topP;
    private final int maxTokens;
    private final Long seed;

    /**
     * @param model the role's model, recorded in {@code calls} under {@code role} (and spending its budget)
     * @param seed  the run's seed, or null to send no seed
     */
    public Reasker(ChatModel model, CallCache calls, String role, double temperature, double topP, int maxTokens,
                   Long seed) {
        this.model = calls.record(model, role);
        this.role = role;
        this.temperature = temperature;
        this.topP = topP;
        this.maxTokens = maxTokens;
        this.seed = seed;
    }

    /** The role's name in the recorded calls. */
    public String role() {
        return role;
    }

    /** The site attempt {@code attempt} is recorded at. */
    public static String site(String site, int attempt) {
        return attempt == 0 || site.isEmpty() ? site : site + "/reask" + attempt;
    }

    /** The prompt attempt {@code attempt} sends. */
    public static String prompt(String prompt, int attempt) {
        return attempt == 0 ? prompt : prompt + REASK;
    }

    /** Attempt {@code attempt} (0: the first ask) of {@code prompt} at {@code site}, for {@code n} replies. */
    public ChatModelResponse ask(String site, String prompt, int attempt, int n) {
        String at = site(site, attempt);
        Long callSeed = seed == null ? null : Seeds.derive(seed, Role.seedName(role), at.isEmpty() && attempt > 0
                ? "reask" + attempt : at);
        ChatModelRequest req = ChatModelRequest.builder("", prompt(prompt, attempt))
                .temperature(temperature).topP(topP).maxNewTokens(maxTokens).n(n).seed(callSeed)
                .responseFormat(model.capabilities().supports(Capability.JSON_OBJECT) ? ResponseFormat.JSON_OBJECT : ResponseFormat.TEXT)
                .build(); // a model without JSON mode reads the prompt's request for JSON; re-asks recover the rest
        return model.at(at).chat(req);
    }
}
