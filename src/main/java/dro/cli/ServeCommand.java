package dro.cli;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.InvalidRequestException;
import dro.compat.OriginalPrompts;
import dro.hub.HubClient;
import dro.prompt.PromptRegistry;
import dro.serve.DroServer.ApiKeys;
import dro.serve.DroServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dro serve}: DRO as an OpenAI-compatible HTTP service, in front of a local model or an endpoint. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves DRO over the OpenAI API (POST /v1/chat/completions, streamed or not; GET /v1/models;"
                + " /health, /ready, /metrics): every request is answered behind the model's optimised system prompt"
                + " and the most similar in-context examples, as 'dro generate' answers it. Local mode (--model) loads"
                + " one model shared by all requests; proxy mode (--upstream-model) puts DRO in front of any"
                + " OpenAI-compatible endpoint (OPENAI_BASE_URL and OPENAI_API_KEY, or --endpoints).",
                "Runs until SIGTERM or Ctrl-C, then stops accepting, lets requests in flight finish for up to"
                        + " --drain-seconds, and exits 0."},
        footer = {"", "Examples:", "  bin/dro serve --model mistral-7b-instruct --parallel-slots 4",
                "  OPENAI_BASE_URL=http://localhost:8000/v1 OPENAI_API_KEY=... bin/dro serve --upstream-model"
                        + " meta-llama/Meta-Llama-3-8B-Instruct --port 9000",
                "  bin/dro serve --model model.gguf --host 0.0.0.0 --api-keys keys.txt", "",
                "A request may turn DRO's parts off with the extension object"
                        + " \"dro\": {\"optimized_prompt\": false, \"num_icl\": 0}."})
final class ServeCommand implements Callable<Integer> {

    /** The environment variable holding API keys (comma-separated) when --api-keys is not given. */
    static final String KEYS_ENV = "DRO_SERVE_API_KEYS";

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Mixin
    LocalModelOptions local = new LocalModelOptions();

    @Option(names = "--model", paramLabel = "MODEL", description = {"Local mode: a GGUF file, a model name"
            + " (mistral-7b-instruct, ...) or hf://owner/repo/file.gguf, loaded once and shared by all requests."})
    String model;

    @Option(names = "--upstream-model", paramLabel = "NAME", description = {"Proxy mode: the model's name on the"
            + " OpenAI-compatible endpoint (OPENAI_BASE_URL or --base-url, key OPENAI_API_KEY, or --endpoints)."})
    String upstreamModel;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "Proxy mode: the endpoint, e.g. http://localhost:8000/v1 (default: $OPENAI_BASE_URL).")
    String baseUrl;

    @Option(names = "--endpoints", paramLabel = "FILE", description = "Proxy mode: several endpoints of the model"
            + " (a JSON array of {base_url, api_key_env, max_concurrency, ...}), with failover.")
    Path endpoints;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "The name clients give as 'model'"
            + " (default: --model's or --upstream-model's value).")
    String servedName;

    @Option(names = "--prompt", paramLabel = "FILE", description = "The DRO-optimised prompt (a text file or a"
            + " training run's directory); default: the prompt registry's entry for the model.")
    Path prompt;

    @Option(names = "--prompts-dir", paramLabel = "DIR",
            description = "The user's optimised-prompt store (default: <config>/prompts).")
    Path promptsDir;

    @Option(names = "--icl-file", paramLabel = "FILE",
            description = "ICL examples in the original's JSON shape (default: dro4j's own).")
    Path iclFile;

    @Option(names = "--num-icl", paramLabel = "K", defaultValue = "" + GenerateOptions.DEFAULT_NUM_OPTIMIZED_ICL,
            description = "In-context examples per request, 0 to 5 (default: ${DEFAULT-VALUE}).")
    int numIcl;

    @Option(names = "--parallel-slots", paramLabel = "N", defaultValue = "1", description = "Local mode: requests"
            + " generated at once (llama.cpp slots, each with --max-model-len of context); proxy mode: requests sent"
            + " upstream at once (default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "16", description = "Requests that may wait for a"
            + " slot; one more is refused with 429 and Retry-After (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "The address to bind (default:"
            + " ${DEFAULT-VALUE}, this machine only). Another address needs --api-keys (or " + KEYS_ENV
            + ") or --no-auth.")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "The port; 0 picks a free one (default:"
            + " ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--api-keys", paramLabel = "FILE", description = {"Keys clients send as 'Authorization:"
            + " Bearer KEY': one per line, optionally followed by a comma-separated list of the served models it may"
            + " use; # starts a comment. Default: $" + KEYS_ENV + " (comma-separated), else none."})
    Path apiKeysFile;

    @Option(names = "--no-auth", description = "Serve a non-loopback --host without API keys (refused otherwise).")
    boolean noAuth;

    @Option(names = "--max-tokens-cap", paramLabel = "N", defaultValue = "4096", description = "The most"
            + " max_tokens a request may ask for; more is a 400 (default: ${DEFAULT-VALUE}). A request that gives"
            + " none gets --max-new-tokens.")
    int maxTokensCap;

    @Option(names = "--max-n", paramLabel = "N", defaultValue = "8", description = "The most choices (n) a request"
            + " may ask for; more is a 400 (default: ${DEFAULT-VALUE}). Not streamed, a request for n choices takes"
            + " up to n slots.")
    int maxN;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "" + GenerateOptions.DEFAULT_MAX_NEW_TOKENS,
            description = "Tokens generated when a request gives no max_tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--max-body-bytes", paramLabel = "BYTES", defaultValue = "1048576", description = "The largest"
            + " request body; more is a 413 (default: ${DEFAULT-VALUE}).")
    long maxBodyBytes;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300", description = "Per request: how long"
            + " it may wait for a slot (then 503) and generate (then 504) (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(names = "--drain-seconds", paramLabel = "SECONDS", defaultValue = "30", description = "On SIGTERM:"
            + " how long requests in flight may finish before they are cancelled (default: ${DEFAULT-VALUE}).")
    double drainSeconds;

    @Option(names = "--log-content", description = "Log each query and answer at INFO (never logged otherwise).")
    boolean logContent;

    @Option(names = "--offline", description = "Never use the network for models or prompts; a model name must be"
            + " cached already.")
    boolean offline;

    @Option(names = {"-v", "--verbose"}, description = "Accepted for symmetry: dro serve logs at INFO anyway (start,"
            + " one access-log line per request with method, path, status, tokens and ms, stop); -vv for debug,"
            + " --logging-level warn for less.")
    boolean verbose;

    @Option(names = "--logging-level", paramLabel = "LEVEL", description = "Log level on standard error: error,"
            + " warn, info (default for serve), debug.")
    String loggingLevel;

    @Option(names = "-vv", hidden = true)
    boolean veryVerbose;

    @Override
    public Integer call() throws InterruptedException {
        if ((model == null) == (upstreamModel == null)) {
            throw new InvalidRequestException("Give --model (local mode) or --upstream-model (proxy mode), one of"
                    + " the two");
        }
        boolean proxy = upstreamModel != null;
        if (!proxy && (baseUrl != null || endpoints != null)) {
            throw new InvalidRequestException("--base-url and --endpoints are for proxy mode (--upstream-model)");
        }
        if (!(timeoutSeconds > 0)) {
            throw new InvalidRequestException("--timeout must be positive, but was " + timeoutSeconds);
        }
        if (!(drainSeconds >= 0)) {
            throw new InvalidRequestException("--drain-seconds must be 0 or more, but was " + drainSeconds);
        }
        if (numIcl < 0 || numIcl > 5) {
            throw new InvalidRequestException("--num-icl must be between 0 and 5, but was " + numIcl);
        }
        ApiKeys keys = keys();
        Duration timeout = Duration.ofMillis(Math.round(timeoutSeconds * 1000));
        GenerateOptions.Builder defaults = GenerateOptions.builder().maxNewTokens(maxNewTokens);
        if (numIcl == 0) {
            defaults.optimizedIcl(false);
        } else {
            defaults.numOptimizedIcl(numIcl);
        }
        DroServer.Builder server = DroServer.builder().host(host).port(port).apiKeys(keys).noAuth(noAuth)
                .slots(slots).queue(queue).maxTokens(maxTokensCap).maxN(maxN).maxBodyBytes(maxBodyBytes)
                .requestTimeout(timeout).drain(Duration.ofMillis(Math.round(drainSeconds * 1000)))
                .logContent(logContent).checkAccess();
        PrintWriter err = spec.commandLine().getErr();
        try (AutoModel m = model(proxy, timeout, defaults.build())) {
            String name = servedName != null ? servedName : proxy ? upstreamModel : model;
            DroServer s = server.model(name, m).start();
            err.println("dro serve: serving " + name + " at " + s.baseUrl() + " (prompt: " + m.systemPromptSource()
                    + ")");
            err.flush();
            Runnable stop = () -> s.stop(Duration.ofMillis(Math.round(drainSeconds * 1000)));
            Signals.onTermination(stop);
            s.awaitStop();
            err.println("dro serve: stopped");
            err.flush();
        }
        return 0;
    }

    /** The served model, with the options every request starts from as its default options. */
    private AutoModel model(boolean proxy, Duration timeout, GenerateOptions defaults) {
        AutoModel.Builder b = AutoModel.builder().model(proxy ? upstreamModel : model).openAiModel(proxy)
                .optimizedPromptFile(prompt).iclFile(iclFile).timeout(timeout).defaultOptions(defaults);
        HubClient.Builder hub = HubClient.builder().environment(main.environment);
        if (offline && !proxy) {
            hub.offline(true);
        }
        // as dro generate: a GGUF file is neither downloaded nor given a pulled prompt, and a prompt given with
        // --prompt is not looked up (AutoModel refuses settings that do not apply)
        boolean file = !proxy && GenerateCommand.isFile(model);
        if (!file && prompt == null) {
            b.originalPrompts(OriginalPrompts.builder().hubClient(hub.build()).build());
        }
        if (promptsDir != null) {
            b.promptRegistry(PromptRegistry.builder().userStore(promptsDir).build());
        }
        if (proxy) {
            b.environment(main.environment);
            if (endpoints != null) {
                b.endpoints(endpoints);
            } else {
                b.maxConcurrency(Math.min(slots, 256));
                if (baseUrl != null) {
                    b.baseUrl(baseUrl);
                }
            }
            if (offline && prompt == null) {
                b.pullPrompts(false);
            }
        } else {
            if (!file) {
                b.hubClient(hub.listener(new ConsoleProgressBar(spec.commandLine().getErr())).build());
            }
            if (offline) {
                b.offline(true); // refused, by name, for a GGUF file, as dro generate refuses it
            }
            b.parallelSlots(slots);
        }
        // in proxy mode too: AutoModel refuses a local model's setting (--threads, ...) that was given
        local.apply(b);
        return b.build();
    }

    private ApiKeys keys() {
        if (apiKeysFile != null) {
            return ApiKeys.read(apiKeysFile);
        }
        String env = main.environment.get(KEYS_ENV);
        if (env != null && !env.isBlank()) {
            return ApiKeys.of(Arrays.stream(env.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList());
        }
        return ApiKeys.NONE;
    }

    /** SIGTERM and SIGINT run a drain instead of ending the JVM at once. */
    static final class Signals {
        private Signals() { }

        @SuppressWarnings("removal")
        static void onTermination(Runnable stop) {
            sun.misc.SignalHandler h = sig -> new Thread(stop, "dro-serve-drain").start();
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), h);
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
        }
    }
}
