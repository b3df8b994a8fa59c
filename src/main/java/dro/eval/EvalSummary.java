package dro.eval;

import dro.InvalidRequestException;
import java.util.List;

/**
 * The statistics of an evaluation: each configuration's scores, and each configuration against every one listed
 * before it.
 */
public record EvalSummary(List<ConfigurationSummary> configurations, List<PairedComparison> comparisons) {

    public EvalSummary {
        configurations = List.copyOf(configurations);
        comparisons = List.copyOf(comparisons);
    }

    /** The summary of the configuration with this name. */
    public ConfigurationSummary configuration(String name) {
        return configurations.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new InvalidRequestException("no configuration named " + name));
    }

    /** The comparison of {@code a} against {@code b}. */
    public PairedComparison comparison(String a, String b) {
        return comparisons.stream().filter(c -> c.a().equals(a) && c.b().equals(b)).findFirst()
                .orElseThrow(() -> new InvalidRequestException("no comparison of " + a + " with " + b));
    }
}
