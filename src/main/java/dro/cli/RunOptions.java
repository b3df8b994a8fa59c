package dro.cli;

import dro.Environment;
import dro.backend.ChatModel;
import dro.backend.Endpoint;
import dro.backend.EndpointStats;
import dro.backend.RoutingChatModel;
import dro.backend.openai.OpenAiEndpoints;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * The settings every long-running command shares (train, optimize-icl, eval): concurrency, re-asks, budget, the
 * endpoints of API models, output.
 */
final class RunOptions {

    @Option(names = "--endpoints", paramLabel = "FILE", description = "A JSON array of OpenAI-compatible endpoints"
            + " that serve every API model of the run instead of OPENAI_BASE_URL, e.g. [{\"base_url\":"
            + " \"http://h1:8000/v1\", \"api_key_env\": \"KEY1\", \"max_concurrency\": 4, \"weight\": 1}]"
            + " (optional: api_key_env, default OPENAI_API_KEY; max_concurrency, default 4; weight, default 1; model,"
            + " the name this endpoint knows the model by). Each call goes to the least loaded endpoint; one that"
            + " fails rests while the others serve.")
    Path endpointsFile;

    /**
     * The endpoints' load, rests and figures in this run, shared by the routers of all its API models: an endpoint
     * gets at most its max_concurrency requests from all roles together.
     */
    final RoutingChatModel.Pool endpointPool = new RoutingChatModel.Pool();

    @Option(names = "--concurrency", defaultValue = "" + dro.internal.Parallel.DEFAULT_CONCURRENCY,
            description = "Model calls at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--max-reasks", defaultValue = "" + dro.roles.internal.Reasker.DEFAULT_MAX_REASKS,
            description = "Re-asks for an unreadable reply (default: ${DEFAULT-VALUE}).")
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

    /**
     * How API model names become models in this run: routed over {@code --endpoints} when given (keys read from
     * {@code environment}), else {@link TrainCommand#apiClients} (the one endpoint of {@code OPENAI_BASE_URL}).
     *
     * @throws dro.InvalidRequestException if the endpoints file is bad or names a key variable that is not set
     */
    /**
     * How the run retries its API models, the single endpoint's and the router of {@code --endpoints} alike:
     * {@link RoleModels#runRetries}, in the one retry decorator over each (the router sends a retried attempt to
     * another endpoint).
     */
    dro.backend.RetryPolicy retries() {
        return RoleModels.runRetries;
    }

    BiFunction<String, Boolean, ChatModel> apiModels(Environment environment) {
        if (endpointsFile == null) {
            return TrainCommand.apiClients;
        }
        List<Endpoint> endpoints = Endpoint.readAll(endpointsFile, environment);
        return (name, reasoning) -> OpenAiEndpoints.router(endpoints, name, reasoning, environment, null,
                endpointPool);
    }

    /**
     * The per-endpoint part of a progress line, {@code " | h1:8000/v1 12 calls 3400 tok 0 err 52 ms, ..."}; "" without
     * {@code --endpoints}.
     */
    String endpointsProgress() {
        if (endpointsFile == null) {
            return "";
        }
        return " | " + endpointPool.snapshot().stream().map(RunOptions::describe)
                .collect(Collectors.joining(", "));
    }

    /** With {@code --endpoints}: one line per endpoint, its calls, tokens, errors and mean latency over the run. */
    void printEndpoints(PrintWriter err) {
        if (endpointsFile != null) {
            endpointPool.snapshot().forEach(e -> err.println("dro: endpoint " + describe(e)));
        }
    }

    /** The environment of the command line (tests pass their own), or the process's. */
    static Environment environment(Main main) {
        return main != null ? main.environment : Environment.SYSTEM;
    }

    /** One endpoint's figures for the console: its URL without the scheme, calls, tokens, errors, mean latency. */
    static String describe(EndpointStats e) {
        return String.format(Locale.ROOT, "%s %d calls %d tok %d err %.0f ms",
                e.endpoint().replaceFirst("^https?://", ""), e.calls(), e.tokens(), e.errors(),
                e.meanLatencyMillis());
    }
}
