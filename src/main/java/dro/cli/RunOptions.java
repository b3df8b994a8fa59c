package dro.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The settings every long-running command shares (train, optimize-icl, eval): concurrency, re-asks, budget, output. */
final class RunOptions {

    @Option(names = "--concurrency", defaultValue = "8", description = "Model calls at once (default: 8).")
    int concurrency;

    @Option(names = "--max-reasks", defaultValue = "2", description = "Re-asks for an unreadable reply (default: 2).")
    int maxReasks;

    @Option(names = "--token-budget", paramLabel = "TOKENS", description = "Stop cleanly once new calls have spent"
            + " this many tokens (resumable; exit code 3).")
    Long tokenBudget;

    @Option(names = "--reasoning-model", paramLabel = "MODEL", split = ConfigFileDefaults.LIST,
            hideParamSyntax = true, description = "An API model of this run that is a reasoning model (OpenAI's"
                    + " o-series, GPT-5): it gets max_completion_tokens and no temperature or top_p. Repeat for"
                    + " several.")
    List<String> reasoningModels = new ArrayList<>();

    @Option(names = "--disable-tqdm", description = "Do not print progress.")
    boolean disableProgress;

    @Option(names = "--logging-level", paramLabel = "LEVEL", description = "Log level on standard error: error, warn,"
            + " info, debug.")
    String loggingLevel;

    @Option(names = {"-v", "--verbose"}, description = "INFO logs on standard error.")
    boolean verbose;
}
