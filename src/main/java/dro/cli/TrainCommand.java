package dro.cli;

import dro.AutoModel;
import dro.InvalidRequestException;
import dro.backend.ChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.hub.HubClient;
import dro.icl.IclExamples;
import dro.icl.MiniLmEmbedder;
import dro.roles.CallCache;
import dro.roles.Role;
import dro.train.run.DroTrainer;
import dro.train.run.TrainConfig;
import dro.roles.TrainFormat;
import dro.train.run.TrainListener;
import dro.train.run.TrainResult;
import dro.train.run.TrainingQueries;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dro train}: DRO's prompt search for one base model. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Searches for the system prompt that aligns BASE-MODEL best (DRO's beam search with dynamic"
                + " rewards). Every model role is a local GGUF file or a model name at the OpenAI-compatible endpoint"
                + " given by OPENAI_BASE_URL / OPENAI_API_KEY, or at the endpoints of --endpoints.",
                "The run directory (--log-dir) keeps every call: run the same command again to resume after a kill,"
                        + " Ctrl-C or a spent budget. Prints the path of the optimised prompt on standard output.",
                "--estimate prints an upper bound of the run's calls and tokens per role (and its cost with --price)"
                        + " instead, and calls no model."},
        footer = {"", "Examples:", "  bin/dro train --base-model mistral-7b-v0.1.Q4_K_M.gguf --estimate --price judge=10/30"
                + " --price metrics=10/30 --price optimizer=10/30",
                "  bin/dro train --base-model mistral-7b-v0.1.Q4_K_M.gguf --log-dir runs/mistral"})
final class TrainCommand implements Callable<Integer> {

    static final String DEFAULT_API_MODEL = "gpt-4-0125-preview";

    /**
     * How API model names become clients: the OpenAI-compatible endpoint of {@code OPENAI_BASE_URL} with
     * {@code OPENAI_API_KEY}, a connection that makes one attempt per call ({@link RoleModels} wraps it in the run's
     * retries).
     * Replaced in tests that play the roles in-process.
     */
    static BiFunction<String, Boolean, ChatModel> apiClients = (name, reasoning) -> OpenAiBackend.create(
            OpenAiChatClient.builder().model(name).reasoningModel(reasoning).build(),
            OpenAiBackend.DEFAULT_MAX_CONCURRENCY);

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.ParentCommand
    Main main;

    @picocli.CommandLine.Mixin
    LocalModelOptions local = new LocalModelOptions();

    @picocli.CommandLine.Mixin
    RunOptions run = new RunOptions();

    @Option(names = "--config", paramLabel = "FILE", description = "A JSON file of these settings (snake_case or"
            + " kebab-case keys, e.g. {\"beam_size\": 2}); options on the command line win.")
    Path configFile;

    @Option(names = "--base-model", paramLabel = "MODEL", description = "The model to align: a GGUF file, a model"
            + " name from the catalogue or hf://... (downloaded once), or an API model name.")
    String baseModel;

    @Option(names = "--base-model-family", paramLabel = "NAME", description = "mistral, llama or gpt (recorded).")
    String baseModelFamily;

    @Option(names = "--judge-model", paramLabel = "MODEL", description = "The judge that scores answers (default:"
            + " ${DEFAULT-VALUE}); --eval-model, the original's name for it, works too.",
            defaultValue = DEFAULT_API_MODEL)
    String judgeModel;

    /** The original's name of {@code --judge-model} (and {@code eval_model} in config files). */
    @Option(names = "--eval-model", paramLabel = "MODEL", hidden = true)
    String evalModelAlias;

    @Option(names = "--metrics-model", paramLabel = "MODEL", defaultValue = DEFAULT_API_MODEL,
            description = "The metrics model, which selects the aspects each query is judged on (default:"
                    + " ${DEFAULT-VALUE}).")
    String metricsModel;

    @Option(names = "--optimizer-model", paramLabel = "MODEL", defaultValue = DEFAULT_API_MODEL,
            description = "The optimiser that proposes new prompts (default: ${DEFAULT-VALUE}); --optimize-model, the"
                    + " original's name for it, works too.")
    String optimizerModel;

    /** The original's name of {@code --optimizer-model} (and {@code optimize_model} in config files). */
    @Option(names = "--optimize-model", paramLabel = "MODEL", hidden = true)
    String optimizeModelAlias;

    @Option(names = "--initial-system-prompt", paramLabel = "TEXT|FILE",
            description = "The prompt to start from, or a file holding it (default: \"You are a helpful assistant.\").")
    String initialSystemPrompt;

    @Option(names = "--n-actions", defaultValue = "" + TrainConfig.DEFAULT_N_ACTIONS, description = "Optimiser samples per beam item (default: 3).")
    int nActions;

    @Option(names = "--temperature", defaultValue = "" + TrainConfig.DEFAULT_TEMPERATURE,
            description = "The optimiser's temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--judge-temperature", defaultValue = "" + TrainConfig.DEFAULT_JUDGE_TEMPERATURE,
            description = "The judge's temperature (default: ${DEFAULT-VALUE}).")
    double judgeTemperature;

    @Option(names = "--depth", defaultValue = "" + TrainConfig.DEFAULT_DEPTH, description = "Training steps per path (default: 20).")
    int depth;

    @Option(names = "--max-depth-increase", defaultValue = "" + TrainConfig.DEFAULT_MAX_DEPTH_INCREASE,
            description = "Extra steps allowed when steps need no optimisation (default: 10).")
    int maxDepthIncrease;

    @Option(names = "--beam-size", defaultValue = "" + TrainConfig.DEFAULT_BEAM_SIZE, description = "Paths kept per level (default: 2).")
    int beamSize;

    @Option(names = "--log-dir", paramLabel = "DIR", description = "The run directory (default: runs/<base model>).")
    Path logDir;

    @Option(names = "--disable-log", description = "Do not write run.log.")
    boolean disableLog;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Training pools in the original's formats"
            + " (alpaca_train.json, lima_subsample_train.json, mal_train.txt); default: dro4j's own, 88 instructions,"
            + " 53 open questions and 42 harmful requests (183 queries).")
    Path dataDir;

    @Option(names = "--queries", paramLabel = "FILE", description = "A JSON array of training queries, used exactly"
            + " in this order (no sampling).")
    Path queriesFile;

    @Option(names = "--metrics-cache-path", paramLabel = "FILE",
            description = "The aspect cache (metrics_cache.json; default: in the run directory).")
    Path metricsCachePath;

    @Option(names = "--num-training-examples", defaultValue = "" + TrainConfig.DEFAULT_NUM_TRAINING_EXAMPLES, description = "Queries drawn from the pools,"
            + " each in proportion to its size (default: 180).")
    int numTrainingExamples;

    @Option(names = "--seed", defaultValue = "" + TrainConfig.DEFAULT_SEED, description = "The run's seed: the training queries drawn, and"
            + " every call's sampling seed, derived from it and the call's place in the search (default: 42).")
    long seed;

    @Option(names = "--ret-icl", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Give the base model the top-k in-context examples most similar to each query (default:"
                    + " on); --no-ret-icl gives it the first k of the ICL file instead.")
    boolean retIcl;

    @Option(names = "--train-format", paramLabel = "FORMAT", defaultValue = "original", description = "How the base"
            + " model is prompted during training: original (as the original trains: an '# instructions' system"
            + " text, one raw prompt without chat template for a local model) or inference (as AutoModel answers:"
            + " chat template, inference ICL blocks) (default: ${DEFAULT-VALUE}).")
    String trainFormat;

    @Option(names = "--k", defaultValue = "" + TrainConfig.DEFAULT_K, description = "In-context examples per query (default: 2).")
    int k;

    @Option(names = "--icl-file", paramLabel = "FILE", description = "ICL examples (default: dro4j's own).")
    Path iclFile;

    @Option(names = "--is-gpt", description = "The base model is an API model (also inferred from its name).")
    boolean isGpt;

    @Option(names = "--base-model-download-dir", paramLabel = "DIR", description = "Where models named by name are"
            + " downloaded (default: <dro4j cache>/models).")
    Path downloadDir;

    @Option(names = "--estimate", description = "Print an upper bound of the run's calls and tokens per role (and"
            + " their cost with --price), then exit without calling or loading any model.")
    boolean estimate;

    @Option(names = "--price", paramLabel = "ROLE=IN/OUT", split = ConfigFileDefaults.LIST, hideParamSyntax = true,
            description = "With --estimate: USD per million input and output tokens for a role (base, judge, metrics"
                    + " or optimizer), e.g. judge=10/30. Repeatable.")
    List<String> prices = new java.util.ArrayList<>();

    @Override
    public Integer call() throws IOException {
        ConfigFileDefaults.check(spec);
        judgeModel = alias("--judge-model", judgeModel, "--eval-model", evalModelAlias);
        optimizerModel = alias("--optimizer-model", optimizerModel, "--optimize-model", optimizeModelAlias);
        if (baseModel == null) {
            throw new InvalidRequestException("--base-model is required (a GGUF file or an API model name)");
        }
        String initial = initialSystemPrompt;
        if (initial != null && Files.isRegularFile(Path.of(initial))) {
            initial = Files.readString(Path.of(initial), StandardCharsets.UTF_8).strip();
        }
        Path dir = logDir != null ? logDir : Path.of("runs", Path.of(baseModel).getFileName().toString()
                .replaceAll("[^A-Za-z0-9._-]", "_"));
        TrainConfig.Builder cb = TrainConfig.builder().nActions(nActions).temperature(temperature)
                .judgeTemperature(judgeTemperature).depth(depth).maxDepthIncrease(maxDepthIncrease).beamSize(beamSize)
                .numTrainingExamples(numTrainingExamples).retIcl(retIcl).k(k).seed(seed).concurrency(run.concurrency)
                .maxReasks(run.maxReasks).logDir(dir).metricsCachePath(metricsCachePath).baseModel(baseModel)
                .baseModelFamily(baseModelFamily).judgeModel(judgeModel).metricsModel(metricsModel)
                .optimizerModel(optimizerModel).runLog(!disableLog).trainFormat(TrainFormat.parse(trainFormat));
        if (initial != null) {
            cb.initialSystemPrompt(initial);
        }
        if (run.tokenBudget != null) {
            cb.tokenBudget(run.tokenBudget);
        }
        if (queriesFile != null) {
            cb.queries(TrainingQueries.fromFile(queriesFile));
        }
        TrainConfig config = cb.build();
        if (isGpt && RoleModels.isLocal(baseModel)) {
            throw new InvalidRequestException("--is-gpt says the base model is an API model, but " + baseModel
                    + " is a GGUF file");
        }
        List<String> queries = DroTrainer.queriesFor(config,
                dataDir != null ? TrainingQueries.load(dataDir) : TrainingQueries.bundled());
        if (!prices.isEmpty() && !estimate) {
            throw new InvalidRequestException("--price is for --estimate; add --estimate to see the cost");
        }
        if (estimate) {
            return printEstimate(config, queries);
        }
        PrintWriter err = spec.commandLine().getErr();
        return ResumableRun.run(err, dir, () -> new RoleModels(this::localModel,
                run.apiModels(RunOptions.environment(main)), run.retries(), run.reasoningModels, baseModel, judgeModel,
                metricsModel, optimizerModel), models -> {
            DroTrainer trainer = new DroTrainer(config, new DroTrainer.Models(models.client(baseModel),
                    models.client(judgeModel), models.client(metricsModel), models.client(optimizerModel)),
                    iclFile != null ? IclExamples.load(iclFile) : IclExamples.bundled(), MiniLmEmbedder.INSTANCE);
            TrainResult r = trainer.run(queries, run.disableProgress ? TrainListener.NONE : progress(err, run));
            err.printf(Locale.ROOT, "dro: done: best path score %.3f over %d steps; %d calls made, %d reused; report:"
                    + " %s%n", r.score(), r.bestPath().size(), r.stats().made(), r.stats().reused(),
                    r.runDir().resolve("report.html"));
            run.printEndpoints(err);
            spec.commandLine().getOut().println(r.promptFile());
            return 0;
        });
    }

    /** A role's model given under the original's flag name instead of the role's; refused if given under both. */
    private String alias(String flag, String value, String originalFlag, String originalValue) {
        if (originalValue == null) {
            return value;
        }
        if (spec.commandLine().getParseResult().hasMatchedOption(flag)
                || ConfigFileDefaults.given(spec, flag)) {
            throw new InvalidRequestException("Give " + flag + " or " + originalFlag + " (the original's name for it),"
                    + " not both");
        }
        return originalValue;
    }

    /** {@code --estimate}: the run's bound, computed without calling, loading or downloading any model. */
    private int printEstimate(TrainConfig config, List<String> queries) {
        Map<Role, RunEstimate.Price> priced = RunEstimate.prices(prices);
        RunEstimate e = RunEstimate.of(config, queries, iclFile != null ? IclExamples.load(iclFile)
                : IclExamples.bundled());
        spec.commandLine().getOut().print(e.describe(Map.of(Role.BASE, baseModel, Role.JUDGE,
                judgeModel, Role.METRICS, metricsModel, Role.OPTIMIZER, optimizerModel), priced));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private AutoModel.Builder localModel(String model) {
        AutoModel.Builder b = local.builder(model, run.concurrency);
        if (GenerateCommand.isFile(model)) {
            return b; // a file is not downloaded: --base-model-download-dir is for the roles' models named by name
        }
        if (downloadDir != null) {
            b.modelCacheDir(downloadDir);
        }
        return b.hubClient(HubClient.builder().environment(main.environment)
                .listener(new ConsoleProgressBar(spec.commandLine().getErr())).build());
    }

    private static TrainListener progress(PrintWriter err, RunOptions run) {
        return new TrainListener() {
            @Override
            public void onLevel(int level, int depthLimit, double beamBest, double bestSoFar, CallCache.Stats s,
                                long remaining) {
                err.printf(Locale.ROOT, "level %d/%d | beam best %.3f | best so far %.3f | calls %d (+%d cached) |"
                        + " tokens %d | ~%d calls left%s%n", level, depthLimit, beamBest, bestSoFar, s.made(),
                        s.reused(), s.tokens(), remaining, run.endpointsProgress());
                err.flush();
            }
        };
    }
}
