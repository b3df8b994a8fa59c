package dro.train.run;
import dro.train.Optimizer;
import dro.train.Step;
import dro.train.PathState;
import dro.train.search.DroSearchSpace;
import dro.train.search.BeamSearch;
import dro.roles.internal.Roles;
import dro.roles.internal.LlmRoles;
import dro.roles.CallCache;
import dro.roles.internal.AspectCache;

import com.fasterxml.jackson.databind.JsonNode;
import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.backend.ChatModel;
import dro.backend.RoutingChatModel;
import dro.icl.Embedder;
import dro.icl.IclExample;
import dro.icl.IclExamples;
import dro.icl.internal.IclRetriever;
import dro.icl.MiniLmEmbedder;
import dro.internal.AtomicFiles;
import dro.internal.Json;
import dro.internal.Parallel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs DRO's prompt search (Singla et al., EMNLP 2024) for one model and writes the run directory:
 *
 * <ul>
 *   <li>{@code config.json}: the search settings (a rerun with other settings in the same directory is refused);</li>
 *   <li>{@code calls/}: every model call, recorded as it completes; a rerun (after a kill, Ctrl-C or a spent budget)
 *   is answered from here and makes only the calls it has not made;</li>
 *   <li>{@code metrics_cache.json}: aspect selections per query, in the original's shape (or where
 *   {@link TrainConfig#metricsCachePath()} says);</li>
 *   <li>{@code run.log}, {@code optimized_prompt.txt}, {@code trace.json} (the best path, a superset of the
 *   original's {@code output.json}), {@code search_tree.json} (every node), {@code meta.json} (the prompt's
 *   metadata, with its training format), {@code result.json} and
 *   {@code report.html}.</li>
 * </ul>
 */
public final class DroTrainer {

    private static final Logger log = LoggerFactory.getLogger(DroTrainer.class);

    /** The model behind each role ({@link dro.roles.Role}). */
    public record Models(ChatModel base, ChatModel judge, ChatModel metrics, ChatModel optimizer) { }

    private final TrainConfig config;
    private final Models models;
    private final List<IclExample> icl;
    private final Embedder embedder;

    public DroTrainer(TrainConfig config, Models models) {
        this(config, models, IclExamples.bundled(), MiniLmEmbedder.INSTANCE);
    }

    public DroTrainer(TrainConfig config, Models models, List<IclExample> icl, Embedder embedder) {
        this.config = config;
        this.models = models;
        this.icl = List.copyOf(icl);
        this.embedder = embedder;
    }

    /** The training queries this run uses: the configured list, else a seeded sample of the bundled pools. */
    public static List<String> queriesFor(TrainConfig config, TrainingQueries.Pools pools) {
        return config.queries() != null ? config.queries()
                : TrainingQueries.sample(pools, config.numTrainingExamples(), config.seed());
    }

    public TrainResult run(List<String> queries, TrainListener listener) {
        Path dir = config.logDir();
        prepare(dir);
        RunLog runLog = new RunLog(config.runLog() ? dir.resolve("run.log") : null);
        long t0 = System.nanoTime();
        runLog.write("start: " + queries.size() + " training queries, beam " + config.beamSize() + ", depth "
                + config.depth() + " (+" + config.maxDepthIncrease() + "), " + config.nActions() + " actions, "
                + config.trainFormat().id() + " format");
        CallCache calls = new CallCache(dir.resolve("calls"), config.tokenBudget());
        AspectCache metrics = AspectCache.open(config.metricsCachePath());
        IclRetriever retriever = config.retIcl() ? new IclRetriever(icl, embedder) : null;
        List<IclExample> fixed = config.retIcl() ? List.of() : icl.subList(0, Math.min(config.k(), icl.size()));
        Long seed = config.seed();
        Roles.Base base = new LlmRoles.LlmBase(models.base(), calls, retriever, fixed, config.k(),
                config.trainFormat(), seed);
        Roles.Metrics metricsRole = new LlmRoles.LlmMetrics(models.metrics(), calls, metrics,
                config.maxReasks(), seed);
        Roles.Judge judge = new LlmRoles.LlmJudge(models.judge(), calls, config.judgeTemperature(), config.maxReasks(),
                seed);
        Optimizer optimizer = new LlmOptimizer(models.optimizer(), calls, config.temperature(),
                config.maxReasks(), seed);
        ExecutorService pool = config.concurrency() == 1 ? null : Parallel.pool(config.concurrency(), "dro4j-train");
        try {
            DroSearchSpace space = new DroSearchSpace(queries, config.initialSystemPrompt(), config.nActions(), base,
                    metricsRole, judge, optimizer, pool);
            double[] best = {Double.NEGATIVE_INFINITY};
            BeamSearch.Result<PathState, String> result = new BeamSearch(config.beamSize(), config.depth(),
                    config.maxDepthIncrease()).run(space, e -> {
                        double beamBest = e.beam().isEmpty() ? 0 : e.beam().get(0).score();
                        best[0] = Math.max(best[0], beamBest);
                        CallCache.Stats s = calls.stats();
                        int length = e.beam().isEmpty() ? 0 : e.beam().get(0).state().size();
                        long remaining = remainingCalls(Math.min(e.depthLimit(), queries.size()) - length);
                        runLog.write(String.format("level %d: depth limit %d, beam best %.4f, best so far %.4f, calls"
                                        + " %d made / %d reused, %d tokens", e.level(), e.depthLimit(), beamBest, best[0],
                                s.made(), s.reused(), s.tokens()));
                        listener.onLevel(e.level(), e.depthLimit(), beamBest, best[0], s, remaining);
                    });
            List<Step> path = result.terminal().state().steps();
            String prompt = path.get(path.size() - 1).systemPrompt();
            TrainResult out = new TrainResult(prompt, result.score(), path, result.depthLimit(), result.nodes(),
                    calls.stats(), dir);
            writeOutputs(dir, result, out, (System.nanoTime() - t0) / 1_000_000);
            runLog.write(String.format("done: score %.4f, %d nodes, %d calls made, %d reused", out.score(),
                    out.nodes(), out.stats().made(), out.stats().reused()));
            log.info("DRO search done: score {}, optimised prompt in {}", out.score(), out.promptFile());
            return out;
        } catch (RuntimeException e) {
            runLog.write("stopped: " + e.getMessage() + " (calls so far are kept; run again to resume)");
            throw e;
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /** Model calls left at most for {@code levels} more levels. */
    private long remainingCalls(int levels) {
        long perLevel = (long) config.beamSize() * (1 + 2L * config.nActions());
        return Math.max(0, levels) * perLevel;
    }

    private void prepare(Path dir) {
        try {
            Files.createDirectories(dir);
            Path cfg = dir.resolve("config.json");
            JsonNode settings = Json.MAPPER.readTree(config.searchSettings().toString()); // as it reads back
            if (Files.exists(cfg)) {
                JsonNode old = renameLegacyKeys(Json.MAPPER.readTree(cfg.toFile()));
                if (!old.equals(settings)) {
                    throw new InvalidRequestException("The log directory " + dir.toAbsolutePath() + " holds a run with"
                            + " other settings (" + difference(old, settings) + "); use another log directory to"
                            + " start a new run");
                }
                log.info("Resuming the run in {}", dir);
            }
            write(cfg, Json.MAPPER.writeValueAsString(settings));
        } catch (IOException e) {
            throw new FileAccessException("Cannot prepare the log directory " + dir.toAbsolutePath() + ": " + e, dir,
                    e);
        }
    }

    /**
     * The {@code config.json} keys of runs written before the roles were named one way ({@link dro.roles.Role}), by
     * their current key: a run written then resumes as it is.
     */
    static final Map<String, String> LEGACY_CONFIG_KEYS = Map.of("judge_model", "eval_model", "optimizer_model",
            "optimize_model");

    /** A run's settings with the keys older runs wrote ({@link #LEGACY_CONFIG_KEYS}) read as today's, in order. */
    static JsonNode renameLegacyKeys(JsonNode settings) {
        if (!(settings instanceof com.fasterxml.jackson.databind.node.ObjectNode o)
                || LEGACY_CONFIG_KEYS.values().stream().noneMatch(o::has)) {
            return settings;
        }
        com.fasterxml.jackson.databind.node.ObjectNode renamed = Json.MAPPER.createObjectNode();
        Map<String, String> current = new java.util.HashMap<>();
        LEGACY_CONFIG_KEYS.forEach((now, old) -> current.put(old, now));
        o.fields().forEachRemaining(f -> renamed.set(current.getOrDefault(f.getKey(), f.getKey()), f.getValue()));
        return renamed;
    }

    private static String difference(JsonNode old, JsonNode now) {
        List<String> diffs = new ArrayList<>();
        for (Iterator<String> it = now.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!now.get(f).equals(old.get(f))) {
                diffs.add(f + ": " + abbreviate(String.valueOf(old.get(f))) + " -> " + abbreviate(now.get(f).toString()));
            }
        }
        return diffs.isEmpty() ? "settings differ" : String.join(", ", diffs);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }

    private void writeOutputs(Path dir, BeamSearch.Result<PathState, String> result, TrainResult out, long millis) {
        try {
            write(dir.resolve("optimized_prompt.txt"), out.optimizedPrompt() + "\n");
            write(dir.resolve("trace.json"), Json.MAPPER.writeValueAsString(TrainRunFiles.trace(out.bestPath())));
            write(dir.resolve("search_tree.json"), Json.MAPPER.writeValueAsString(TrainRunFiles.tree(result.root())));
            List<dro.backend.EndpointStats> endpoints = RoutingChatModel.endpointStats(models.base(),
                    models.judge(), models.metrics(), models.optimizer());
            TrainRunFiles.Result summary = new TrainRunFiles.Result(out.score(), out.depthLimit(), out.nodes(),
                    out.stats().made(), out.stats().reused(), out.stats().promptTokens(),
                    out.stats().completionTokens(), out.stats().usageByModel(), millis,
                    Instant.now().toString(), config.trainFormat().id(), config.searchSettings(), endpoints);
            write(dir.resolve("result.json"), Json.MAPPER.writeValueAsString(summary));
            write(dir.resolve("meta.json"), Json.MAPPER.writeValueAsString(promptMeta(dir, out)));
            write(dir.resolve("report.html"), Report.html(config, out, result, millis, endpoints));
        } catch (IOException e) {
            throw new FileAccessException("Cannot write the run's outputs to " + dir.toAbsolutePath() + ": " + e, dir,
                    e);
        }
    }

    /**
     * The optimised prompt's metadata, in the shape of a prompt store's {@code meta.json} (see
     * {@link dro.prompt.PromptStore}) plus what a user of the prompt should know of its training: the format the
     * base model was prompted in ({@code train_format}), the seed and the score.
     */
    private TrainRunFiles.PromptMeta promptMeta(Path dir, TrainResult out) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new TrainRunFiles.PromptMeta(dro.prompt.OptimizedPrompt.idFrom(name == null ? "run" : name.toString()),
                config.baseModel() == null ? List.of() : List.of(config.baseModel()), List.of(),
                "dro4j train, run directory " + dir.toAbsolutePath().normalize(),
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString(),
                config.trainFormat().id(), config.seed(), out.score());
    }

    static void write(Path file, String text) {
        AtomicFiles.write(file, text);
    }

    /** The run's own log file: one timestamped line per event, appended. */
    private static final class RunLog {
        private final Path file;

        RunLog(Path file) {
            this.file = file;
        }

        synchronized void write(String line) {
            if (file == null) {
                return;
            }
            try {
                Files.writeString(file, Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                log.warn("Cannot write {}: {}", file, e.toString());
            }
        }
    }
}
