package dro.train.run;
import dro.train.Step;
import dro.roles.CallCache;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of a DRO prompt search.
 *
 * @param optimizedPrompt the last system prompt of the best path: the optimised prompt
 * @param score           the best path's aggregated reward
 * @param bestPath        the steps of the best path, from the initial prompt on
 * @param depthLimit      the depth limit at the end (the configured depth plus extensions)
 * @param nodes           nodes in the search tree, the root included
 * @param stats           calls made and reused, tokens spent (this process only)
 * @param runDir          where the run's files are
 */
public record TrainResult(String optimizedPrompt, double score, List<Step> bestPath, int depthLimit, int nodes,
                          CallCache.Stats stats, Path runDir) {

    public TrainResult {
        bestPath = List.copyOf(bestPath);
    }

    /** {@code optimized_prompt.txt} in the run directory, which {@code AutoModel} can take as it is. */
    public Path promptFile() {
        return runDir.resolve("optimized_prompt.txt");
    }
}
