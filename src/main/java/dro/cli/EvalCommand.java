package dro.cli;

import dro.backend.internal.Batches;
import dro.backend.ChatModel;
import dro.eval.EvalSummary.ConfigurationSummary;
import dro.eval.EvalAspects;
import dro.eval.EvalConfiguration;
import dro.eval.EvalListener;
import dro.eval.EvalQueries;
import dro.eval.EvalQuery;
import dro.eval.EvalResult;
import dro.eval.EvalSettings;
import dro.eval.Evaluator;
import dro.eval.EvalSummary.MeanEstimate;
import dro.eval.EvalSummary.PairedComparison;
import dro.eval.ScoredAnswer;
import dro.gguf.GgufFile;
import dro.hub.ResolvedModel;
import dro.icl.IclExamples;
import dro.icl.MiniLmEmbedder;
import dro.internal.Validation;
import dro.prompt.PromptRegistry;
import dro.roles.CallCache;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dro eval}: alignment evaluation of one model under several configurations. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures alignment as the DRO paper did: MODEL answers a query set under each configuration,"
                + " and a judge scores every answer from 1 to 5, with a rationale, on helpfulness, clarity,"
                + " factuality, depth and engagement, and on safety for unsafe queries. Prints the means with 95%%"
                + " confidence intervals and the paired comparisons; the run directory holds results.jsonl,"
                + " summary.json and report.html, and keeps every call, so a rerun resumes.",
                "MODEL and the judge are local GGUF files or model names at the OpenAI-compatible endpoint given by"
                        + " OPENAI_BASE_URL / OPENAI_API_KEY, or at the endpoints of --endpoints.",
                "",
                "Configurations (--config-set, repeatable; default: none, base, base+icl): [NAME=]PROMPT[+icl[:K]]"
                        + " where PROMPT is none (no system prompt), base (the base alignment prompt), optimized (the"
                        + " model's prompt from the registry) or optimized:FILE (a prompt file or a training run"
                        + " directory), and +icl adds the K most similar in-context examples (1 to 5, default 3)."
                        + " Every configuration uses DRO's user turn, so they differ only in what comes before it."},
        footer = {"", "Examples:", "  bin/dro eval --model mistral-7b-v0.1.Q4_K_M.gguf --judge-model gpt-4o",
                "  bin/dro eval --model mistral-7b-v0.1.Q4_K_M.gguf --config-set base --config-set"
                        + " dro=optimized:runs/mistral+icl --queries just_eval_instruct.jsonl --query-field"
                        + " instruction"})
final class EvalCommand implements Callable<Integer> {

    static final List<String> DEFAULT_CONFIGURATIONS = List.of("none", "base", "base+icl");

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

    @Option(names = "--model", paramLabel = "MODEL", description = "The model to evaluate: a GGUF file or an API"
            + " model name.")
    String model;

    @Option(names = "--judge-model", paramLabel = "MODEL", defaultValue = TrainCommand.DEFAULT_API_MODEL,
            description = "The judge (default: ${DEFAULT-VALUE}).")
    String judgeModel;

    @Option(names = "--config", paramLabel = "FILE", description = "A JSON file of these settings (snake_case or"
            + " kebab-case keys, e.g. {\"max_new_tokens\": 512}); options on the command line win.")
    Path configFile;

    @Option(names = "--config-set", paramLabel = "SPEC", split = ConfigFileDefaults.LIST, hideParamSyntax = true,
            description = "A configuration; repeat for several"
            + " (default: none, base, base+icl).")
    List<String> configSets;

    @Option(names = "--queries", paramLabel = "FILE", description = {"The query set: a JSON array, JSON lines or"
            + " plain text (one query a line). Default: dro4j's own set (56 queries, 16 of them unsafe)."})
    Path queriesFile;

    @Option(names = "--query-field", paramLabel = "NAME", description = "The field holding the query in JSON objects"
            + " (default: the first of query, instruction, prompt).")
    String queryField;

    @Option(names = "--unsafe-when", paramLabel = "FIELD=VALUE", split = ConfigFileDefaults.LIST,
            hideParamSyntax = true, description = {"Marks a query unsafe when FIELD holds"
            + " VALUE (ignoring case); repeat for several. Replaces the defaults: type=safety, category=safety,"
            + " dataset=hh-rlhf, dataset=maliciousinstruct, unsafe=true."})
    List<String> unsafeWhen;

    @Option(names = "--all-unsafe", description = "Marks every query unsafe (e.g. a file of harmful requests).")
    boolean allUnsafe;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N queries.")
    Integer limit;

    @Option(names = "--icl-file", paramLabel = "FILE", description = "ICL examples for +icl configurations"
            + " (default: dro4j's own), e.g. the output of dro optimize-icl.")
    Path iclFile;

    @Option(names = "--prompts-dir", paramLabel = "DIR", description = "The optimised-prompt store where the"
            + " configuration 'optimized' looks the model up (default: <config>/prompts).")
    Path promptsDir;

    @Option(names = "--out-dir", paramLabel = "DIR", description = "The run directory (default: runs/eval-<model>).")
    Path outDir;

    @Option(names = "--temperature", defaultValue = "" + EvalSettings.DEFAULT_TEMPERATURE,
            description = "The model's temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--max-new-tokens", defaultValue = "" + EvalSettings.DEFAULT_MAX_NEW_TOKENS,
            description = "Tokens per answer at most (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--judge-temperature", defaultValue = "" + EvalSettings.DEFAULT_JUDGE_TEMPERATURE,
            description = "The judge's temperature (default: ${DEFAULT-VALUE}).")
    double judgeTemperature;

    @Override
    public Integer call() throws IOException {
        ConfigFileDefaults.check(spec);
        if (model == null) {
            throw new dro.InvalidRequestException("--model is required (a GGUF file or an API model name)");
        }
        EvalQueries.Reader reader = EvalQueries.reader().queryField(queryField).allUnsafe(allUnsafe);
        if (unsafeWhen != null) {
            reader.unsafeWhen(unsafeWhen.stream().map(EvalQueries.UnsafeRule::parse).toList());
        }
        List<EvalQuery> all = queriesFile != null ? reader.read(queriesFile) : EvalQueries.bundled();
        if (limit != null) {
            Validation.ensurePositive(limit, "--limit");
        }
        List<EvalQuery> queries = limit != null ? all.subList(0, Math.min(limit, all.size())) : all;
        List<EvalConfiguration> configurations = EvalConfiguration.parseAll(
                configSets != null ? configSets : DEFAULT_CONFIGURATIONS, this::registryPrompt);
        Path dir = outDir != null ? outDir : Path.of("runs", "eval-" + Path.of(model).getFileName().toString()
                .replaceAll("[^A-Za-z0-9._-]", "_"));
        EvalSettings.Builder sb = EvalSettings.builder().outDir(dir).model(model).judgeModel(judgeModel)
                .temperature(temperature).maxNewTokens(maxNewTokens).judgeTemperature(judgeTemperature)
                .concurrency(run.concurrency).maxReasks(run.maxReasks);
        if (run.tokenBudget != null) {
            sb.tokenBudget(run.tokenBudget);
        }
        EvalSettings settings = sb.build();
        java.util.Map<String, String> roleModels = new java.util.LinkedHashMap<>();
        roleModels.put("--model", model);
        roleModels.put("--judge-model", judgeModel);
        batch.checkApiRole(roleModels, run);
        PrintWriter err = spec.commandLine().getErr();
        return ResumableRun.run(err, dir, () -> RoleModels.of(local, run, RunOptions.environment(main), model,
                judgeModel), models -> {
            Batches batches = batch.open(dir, err, run.disableProgress);
            List<ChatModel> roles = BatchOptions.wrap(batches, List.of(models.client(model),
                    models.client(judgeModel)), List.of("--model " + model, "--judge-model " + judgeModel));
            Evaluator evaluator = new Evaluator(settings, new Evaluator.Models(roles.get(0), roles.get(1)),
                    iclFile != null ? IclExamples.load(iclFile) : IclExamples.bundled(), MiniLmEmbedder.INSTANCE);
            EvalResult r = evaluator.run(queries, configurations, run.disableProgress ? EvalListener.NONE
                    : progress(err, run));
            print(spec.commandLine().getOut(), r);
            err.printf(Locale.ROOT, "dro: done: %d answers judged; %d calls made, %d reused; report: %s%n",
                    r.answers().size(), r.stats().made(), r.stats().reused(), r.reportFile());
            run.printEndpoints(err);
            return 0;
        });
    }

    /** The model's optimised prompt from the registry (by name, or by a GGUF file's metadata). */
    private Optional<String> registryPrompt() {
        PromptRegistry registry = promptsDir != null ? PromptRegistry.builder().userStore(promptsDir).build()
                : PromptRegistry.defaults();
        if (RoleModels.isLocal(model)) {
            Path gguf = Path.of(model);
            return registry.lookup(ResolvedModel.local(model, gguf), () -> GgufFile.readMetadata(gguf))
                    .map(m -> m.prompt().text());
        }
        return registry.find(model).map(m -> m.prompt().text());
    }

    private static EvalListener progress(PrintWriter err, RunOptions run) {
        return new EvalListener() {
            @Override
            public void onAnswer(int done, int total, ScoredAnswer a, CallCache.Stats s) {
                int step = Math.max(1, total / 10);
                if (done % step == 0 || done == total) {
                    err.printf(Locale.ROOT, "answers %d/%d judged | calls %d (+%d cached) | tokens %d%s%n", done,
                            total, s.made(), s.reused(), s.tokens(), run.endpointsProgress());
                    err.flush();
                }
            }
        };
    }

    /** The summary as a table: mean ± half the 95% interval per configuration and aspect; then the comparisons. */
    static void print(PrintWriter out, EvalResult r) {
        List<String> columns = new ArrayList<>(List.of("Overall"));
        for (String a : EvalAspects.ALL) {
            if (r.summary().configurations().stream().anyMatch(c -> c.aspects().containsKey(a))) {
                columns.add(a);
            }
        }
        int width = Math.max(15, r.summary().configurations().stream().mapToInt(c -> c.name().length()).max()
                .orElse(0) + 2);
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", "configuration"));
        columns.forEach(c -> head.append(String.format(Locale.ROOT, "%-14s", c)));
        out.println(head.toString().stripTrailing());
        for (ConfigurationSummary c : r.summary().configurations()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", c.name()));
            for (String col : columns) {
                MeanEstimate e = col.equals("Overall") ? c.overall() : c.aspects().get(col);
                line.append(String.format(Locale.ROOT, "%-14s", e == null || e.n() == 0 ? "-"
                        : Double.isNaN(e.low()) ? String.format(Locale.ROOT, "%.2f", e.mean())
                        : String.format(Locale.ROOT, "%.2f ± %.2f", e.mean(), e.halfWidth())));
            }
            out.println(line.toString().stripTrailing());
        }
        for (PairedComparison p : r.summary().comparisons()) {
            out.printf(Locale.ROOT, "%s vs %s: %d wins, %d ties, %d losses (sign test p = %.4f)%n", p.a(), p.b(),
                    p.wins(), p.ties(), p.losses(), p.signTestP());
        }
        out.flush();
    }
}
