package dro.cli;

import dro.backend.internal.Batches;
import dro.backend.ChatModel;
import dro.roles.CallCache;
import dro.train.icl.IclListener;
import dro.train.icl.IclOptimizer;
import dro.train.icl.IclOptimizerConfig;
import dro.train.icl.IclResult;
import dro.train.icl.IclSeed;
import dro.train.icl.IclSeeds;
import dro.train.icl.RefinedAnswer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dro optimize-icl}: DRO's ICL answer optimisation. */
@Command(name = "optimize-icl", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Optimises the answers of in-context examples: for each seed query a critic picks 3 to 6"
                + " aspects and scores the answer, then a rewriter improves it from the critic's review, up to"
                + " --num-iters times, keeping the best (ties go to the newer) and stopping once every aspect scores"
                + " 5. Every model is a local GGUF file or a model name at the OpenAI-compatible endpoint given by"
                + " OPENAI_BASE_URL / OPENAI_API_KEY, or at the endpoints of --endpoints.",
                "Writes an ICL file in the original's shape ({query: \"<START>\\n...\\n<END>\"}) that generate"
                        + " --icl-file and AutoModel take as it is, and prints its path on standard output. The run"
                        + " directory keeps every call: run the same command again to resume."},
        footer = {"", "Examples:", "  bin/dro optimize-icl --seeds seeds.json --out-dir runs/icl",
                "  bin/dro optimize-icl --seeds queries.json --answer-model mistral-7b-v0.1.Q4_K_M.gguf"
                        + " --critic-model gpt-4o --rewrite-model gpt-4o --metrics-model gpt-4o"})
final class OptimizeIclCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.ParentCommand
    Main main;

    @Mixin
    LocalModelOptions local;

    @picocli.CommandLine.Mixin
    RunOptions run = new RunOptions();

    @Mixin
    BatchOptions batch = new BatchOptions();

    @Option(names = "--seeds", paramLabel = "FILE", description = {"The seeds: a JSON object mapping each query to its"
            + " initial answer (null or \"\" to have --answer-model write it), or a JSON array of queries. Default:"
            + " dro4j's own ICL examples."})
    Path seeds;

    @Option(names = "--answer-model", paramLabel = "MODEL",
            description = "Writes the initial answers that the seeds lack.")
    String answerModel;

    @Option(names = "--answer-system-prompt", paramLabel = "TEXT|FILE", description = "The system prompt the answer"
            + " model writes under, or a file holding it (default: the base alignment prompt).")
    String answerSystemPrompt;

    @Option(names = "--critic-model", paramLabel = "MODEL", defaultValue = TrainCommand.DEFAULT_API_MODEL,
            description = "Scores answers and says what to improve (default: ${DEFAULT-VALUE}).")
    String criticModel;

    @Option(names = "--metrics-model", paramLabel = "MODEL", defaultValue = TrainCommand.DEFAULT_API_MODEL,
            description = "Selects the critic's 3 to 6 aspects per query (default: ${DEFAULT-VALUE}).")
    String metricsModel;

    @Option(names = "--rewrite-model", paramLabel = "MODEL", defaultValue = TrainCommand.DEFAULT_API_MODEL,
            description = "Rewrites the answers (default: ${DEFAULT-VALUE}).")
    String rewriteModel;

    @Option(names = "--num-iters", defaultValue = "" + IclOptimizerConfig.DEFAULT_NUM_ITERS,
            description = "Rewrites at most per seed (default: ${DEFAULT-VALUE}).")
    int numIters;

    @Option(names = "--temperature", defaultValue = "" + IclOptimizerConfig.DEFAULT_TEMPERATURE,
            description = "The rewriter's temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--critic-temperature", defaultValue = "" + IclOptimizerConfig.DEFAULT_CRITIC_TEMPERATURE,
            description = "The critic's temperature (default: ${DEFAULT-VALUE}).")
    double criticTemperature;

    @Option(names = "--config", paramLabel = "FILE", description = "A JSON file of these settings (snake_case or"
            + " kebab-case keys, e.g. {\"num_iters\": 2}); options on the command line win.")
    Path configFile;

    @Option(names = "--out-dir", paramLabel = "DIR", description = "The run directory (default: runs/icl).")
    Path outDir;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Where to write the ICL file (default: <out-dir>/ICL_examples.json).")
    Path output;

    @Option(names = "--metrics-cache-path", paramLabel = "FILE",
            description = "The critic's aspect cache (default: <out-dir>/metrics_cache.json).")
    Path metricsCachePath;

    @Override
    public Integer call() throws IOException {
        ConfigFileDefaults.check(spec);
        List<IclSeed> seedList = seeds != null ? IclSeeds.load(seeds) : IclSeeds.bundled();
        Path dir = outDir != null ? outDir : Path.of("runs", "icl");
        IclOptimizerConfig.Builder cb = IclOptimizerConfig.builder().outDir(dir).iclFile(output)
                .metricsCachePath(metricsCachePath).numIters(numIters).temperature(temperature)
                .criticTemperature(criticTemperature).concurrency(run.concurrency).maxReasks(run.maxReasks)
                .criticModel(criticModel).metricsModel(metricsModel).rewriteModel(rewriteModel)
                .answerModel(answerModel);
        if (answerSystemPrompt != null) {
            cb.answerSystemPrompt(Files.isRegularFile(Path.of(answerSystemPrompt))
                    ? Files.readString(Path.of(answerSystemPrompt), StandardCharsets.UTF_8).strip() : answerSystemPrompt);
        }
        if (run.tokenBudget != null) {
            cb.tokenBudget(run.tokenBudget);
        }
        IclOptimizerConfig config = cb.build();
        java.util.Map<String, String> roleModels = new java.util.LinkedHashMap<>();
        roleModels.put("--critic-model", criticModel);
        roleModels.put("--metrics-model", metricsModel);
        roleModels.put("--rewrite-model", rewriteModel);
        roleModels.put("--answer-model", answerModel);
        batch.checkApiRole(roleModels, run);
        PrintWriter err = spec.commandLine().getErr();
        return ResumableRun.run(err, dir, () -> RoleModels.of(local, run, RunOptions.environment(main),
                criticModel, metricsModel, rewriteModel, answerModel), models -> {
            Batches batches = batch.open(dir, err, run.disableProgress);
            List<ChatModel> roles = BatchOptions.wrap(batches, java.util.Arrays.asList(models.client(criticModel),
                    models.client(metricsModel), models.client(rewriteModel),
                    answerModel == null ? null : models.client(answerModel)), roleModels.entrySet().stream()
                    .filter(e -> e.getValue() != null).map(e -> e.getKey() + " " + e.getValue()).toList());
            IclResult r = new IclOptimizer(config, new IclOptimizer.Models(roles.get(0), roles.get(1), roles.get(2),
                    roles.get(3))).run(seedList, run.disableProgress ? IclListener.NONE : progress(err, run));
            err.printf(Locale.ROOT, "dro: done: %d examples, mean score %.3f -> %.3f; %d calls made, %d reused;"
                            + " report: %s%n", r.answers().size(),
                    r.answers().stream().mapToDouble(a -> a.initial().score()).average().orElse(0),
                    r.answers().stream().mapToDouble(a -> a.kept().score()).average().orElse(0), r.stats().made(),
                    r.stats().reused(), r.runDir().resolve("report.html"));
            run.printEndpoints(err);
            spec.commandLine().getOut().println(r.iclFile());
            return 0;
        });
    }

    private static IclListener progress(PrintWriter err, RunOptions run) {
        return new IclListener() {
            @Override
            public void onSeed(int done, int total, RefinedAnswer a, CallCache.Stats s) {
                err.printf(Locale.ROOT, "seed %d/%d | score %.2f -> %.2f after %d rewrite(s)%s | calls %d (+%d"
                                + " cached) | tokens %d%s%n", done, total, a.initial().score(), a.kept().score(),
                        a.rewrites(), a.stop() == RefinedAnswer.Stop.ALL_FIVES ? ", all 5s" : "", s.made(),
                        s.reused(), s.tokens(), run.endpointsProgress());
                err.flush();
            }
        };
    }
}
