package dro.compat.internal;

import dro.DroException;
import dro.compat.OriginalPrompts;
import dro.compat.OriginalRelease;
import dro.prompt.PromptRegistry;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * The optimised prompt the registry has for a model, the original's released prompt pulled into the registry's user
 * store on first use when it has none: the one resolution behind {@code AutoModel} and the Spring AI auto-configuration's
 * {@code DroAdvisor}. A pull that is not possible (offline, no release for the model) or fails leaves no prompt (the
 * caller then uses the base alignment prompt); the log lines, on the caller's logger, say which prompt is used and
 * why.
 */
public final class RegistryPrompts {

    private RegistryPrompts() {
    }

    /**
     * The registry's prompt for {@code model}, pulled once if need be.
     *
     * @param model    the model's name, as the log lines and {@link OriginalPrompts#runFor} take it
     * @param registry the registry searched; a pulled prompt goes to its user store
     * @param lookup   how the registry is searched for the model (by name, or also by a GGUF's metadata)
     * @param puller   the puller of the original's released prompts (its store is replaced by the registry's user
     *                 store); null: no pull. Made only when the registry has no prompt; a {@link DroException} it
     *                 throws is logged as a WARN and leaves no prompt
     * @param log      where the lines go (the caller's logger, so they name what the user set up)
     * @return the match, or empty: use the base alignment prompt
     */
    public static Optional<PromptRegistry.Match> find(String model, PromptRegistry registry,
                                                      Supplier<Optional<PromptRegistry.Match>> lookup,
                                                      Supplier<OriginalPrompts> puller, Logger log) {
        Optional<PromptRegistry.Match> found = lookup.get();
        if (found.isEmpty() && puller != null) {
            found = pullOnFirstUse(model, registry, lookup, puller, log);
        }
        if (found.isPresent()) {
            PromptRegistry.Match m = found.get();
            log.info("Using the optimised prompt '{}' for {} (found by {} \"{}\"{})", m.prompt().id(), model, m.how(),
                    m.matchedName(), m.prompt().location().isEmpty() ? "" : " in " + m.prompt().location());
        } else {
            log.info("No optimised prompt is known for {}; using the base alignment prompt", model);
        }
        return found;
    }

    /**
     * Pulls the original's released prompt for the model, once, when it released one: the registry had none. Any
     * failure leaves the base alignment prompt, with a WARN.
     */
    private static Optional<PromptRegistry.Match> pullOnFirstUse(String model, PromptRegistry registry,
                                                                 Supplier<Optional<PromptRegistry.Match>> lookup,
                                                                 Supplier<OriginalPrompts> pullers, Logger log) {
        OriginalPrompts puller;
        OriginalRelease.Run run;
        try {
            puller = pullers.get().withStore(registry.userStore());
            run = puller.runFor(model).orElse(null);
        } catch (DroException e) {
            log.warn("Cannot pull the original's optimised prompt for {} ({}); using the base alignment prompt",
                    model, e.getMessage());
            return Optional.empty();
        }
        if (run == null) {
            return Optional.empty();
        }
        if (puller.isOffline()) {
            log.info("No optimised prompt is known for {}; the original released one (run {}), but offline mode"
                    + " forbids pulling it. Pull it once online with: dro prompts pull {}", model, run.name(),
                    run.name());
            return Optional.empty();
        }
        log.info("No optimised prompt is known for {}; pulling the original's released prompt (run {}) from {}"
                + " into {} (once)", model, run.name(), puller.baseUrl(), puller.store().root());
        String why;
        try {
            OriginalPrompts.Result result = puller.pullRuns(List.of(run));
            Optional<PromptRegistry.Match> found = result.imported().isEmpty() ? Optional.empty() : lookup.get();
            if (found.isPresent()) {
                if (!result.failures().isEmpty()) {
                    log.warn("Pulled the original's optimised prompt for {}, but not every file of it: {}", model,
                            result.failures().stream().map(OriginalPrompts.Failure::reason)
                                    .collect(Collectors.joining("; ")));
                }
                return found;
            }
            why = result.failures().isEmpty() ? "nothing was imported" : result.failures().stream()
                    .map(OriginalPrompts.Failure::reason).collect(Collectors.joining("; "));
        } catch (DroException e) {
            why = e.getMessage();
        }
        log.warn("Could not pull the original's optimised prompt for {}: {}. Using the base alignment prompt;"
                + " pull it with: dro prompts pull {}", model, why, run.name());
        return Optional.empty();
    }
}
