package dro.eval;

import dro.roles.CallCache;
import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of an evaluation.
 *
 * @param configurations the configurations, in order
 * @param answers        every judged answer, configuration by configuration, each in query order
 * @param summary        means, confidence intervals and paired comparisons
 * @param stats          calls made and reused, tokens spent (this process only)
 * @param runDir         where the run's files are
 */
public record EvalResult(List<EvalConfiguration> configurations, List<ScoredAnswer> answers, EvalSummary summary,
                         CallCache.Stats stats, Path runDir) {

    public EvalResult {
        configurations = List.copyOf(configurations);
        answers = List.copyOf(answers);
    }

    /** {@code summary.json} in the run directory. */
    public Path summaryFile() {
        return runDir.resolve("summary.json");
    }

    /** {@code results.jsonl} in the run directory. */
    public Path resultsFile() {
        return runDir.resolve("results.jsonl");
    }

    /** {@code report.html} in the run directory. */
    public Path reportFile() {
        return runDir.resolve("report.html");
    }
}
