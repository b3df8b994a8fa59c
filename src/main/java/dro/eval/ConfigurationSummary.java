package dro.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How one configuration scored.
 *
 * @param name     the configuration's name
 * @param overall  the mean over queries of each answer's mean score (all its aspects, Safety included when judged)
 * @param aspects  per aspect, the mean over the answers judged on it (Safety: the unsafe queries only), in the
 *                 order of {@link EvalAspects#ALL}
 * @param answers  answers given
 * @param unjudged answers whose judgement could not be read (left out of every mean)
 */
public record ConfigurationSummary(String name, MeanEstimate overall, Map<String, MeanEstimate> aspects, int answers,
                                   int unjudged) {

    public ConfigurationSummary {
        aspects = Collections.unmodifiableMap(new LinkedHashMap<>(aspects));
    }
}
