package dro.roles;

import java.util.Map;
import java.util.Optional;

/**
 * The four model roles of a DRO prompt search, one name each (DRO-reference section 3: the base model, the reward's
 * judge and aspect selection, the optimiser). The {@link #label()} is the role everywhere it is named: the command
 * line's {@code --base-model}, {@code --judge-model}, {@code --metrics-model} and {@code --optimizer-model}, the
 * {@code --price} and estimate rows, the report, and the role a call is recorded under in a run's {@code calls/}.
 *
 * <h2>Names of older runs</h2>
 * Runs before the roles were named this way recorded the base model's calls as {@code policy} and the aspect
 * selection's as {@code aspect_selector} (and the ICL critic's aspect selection as {@code critic_aspect_selector}).
 * {@link CallCache} still finds those records ({@link #legacyName}), and seeded calls keep deriving their seeds from
 * those names ({@link #seedName}), so that an older run resumes without a call made twice and a seeded run samples as
 * it always did.
 */
public enum Role {
    /** The base model under training: answers each query behind the candidate system prompt. */
    BASE("base"),
    /** The judge of the dynamic reward: scores an answer on the selected aspects. */
    JUDGE("judge"),
    /** The aspect selection of the dynamic reward (the original's metrics model): picks a query's aspects. */
    METRICS("metrics"),
    /** The optimiser: proposes new system prompts from the judge's feedback. */
    OPTIMIZER("optimizer");

    /** Recorded role names that older runs wrote under another name, by their current name. */
    private static final Map<String, String> LEGACY = Map.of("base", "policy", "metrics", "aspect_selector",
            "critic_metrics", "critic_aspect_selector");

    private final String label;

    Role(String label) {
        this.label = label;
    }

    /** The role's one name: on the command line, in the estimate and report, and in the recorded calls. */
    public String label() {
        return label;
    }

    /** The name older runs recorded the calls of the role named {@code recorded} under, if it was another one. */
    public static Optional<String> legacyName(String recorded) {
        return Optional.ofNullable(LEGACY.get(recorded));
    }

    /**
     * The name a call's seed is derived from for the role named {@code recorded} ({@code Seeds.derive}): the name runs
     * have always used, so that renaming a role changes no seed.
     */
    public static String seedName(String recorded) {
        return LEGACY.getOrDefault(recorded, recorded);
    }
}
