package dro.train.run;
import static dro.internal.Validation.ensureTemperature;
import dro.roles.TrainFormat;

import static dro.internal.Validation.ensureBetween;
import static dro.internal.Validation.ensureNotBlank;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.InvalidRequestException;
import dro.internal.Json;
import dro.prompt.internal.PromptResources;
import java.nio.file.Path;
import java.util.List;

/**
 * The settings of one DRO prompt search, with the original's names and defaults ({@code run.main}):
 * {@code n_actions} 3, {@code temperature} 0.2 (the optimiser's), {@code depth} 20, {@code max_depth_increase} 10,
 * {@code beam_size} 2, {@code num_training_examples} 180, {@code ret_icl} true, {@code k} 2; plus dro4j's own:
 * the {@code seed} (42) of the query draw and of every model call (see {@code Seeds}), {@code concurrency} (8 calls at once), {@code maxReasks} for unreadable replies (2),
 * the judge's temperature (0), an optional token budget, and the {@link TrainFormat} the base model is prompted in
 * ({@code original}, as the original trains; or {@code inference}, as {@code AutoModel} answers).
 *
 * <p>Immutable; {@link #toBuilder()} derives variants.
 */
public final class TrainConfig {

    /** The optimiser's temperature (the original's {@code temperature}). */
    /** Default optimiser samples per beam item. */
    public static final int DEFAULT_N_ACTIONS = 3;
    /** Default training steps per path. */
    public static final int DEFAULT_DEPTH = 20;
    /** Default steps a path may grow beyond depth. */
    public static final int DEFAULT_MAX_DEPTH_INCREASE = 10;
    /** Default paths kept per level. */
    public static final int DEFAULT_BEAM_SIZE = 2;
    /** Default queries drawn from the pools. */
    public static final int DEFAULT_NUM_TRAINING_EXAMPLES = 180;
    /** Default in-context examples per query. */
    public static final int DEFAULT_K = 2;
    /** Default seed of the query draw and of every model call. */
    public static final long DEFAULT_SEED = 42;
    public static final double DEFAULT_TEMPERATURE = 0.2;
    /** The judge's temperature. */
    public static final double DEFAULT_JUDGE_TEMPERATURE = 0.0;

    private final String initialSystemPrompt;
    private final int nActions;
    private final double temperature;
    private final double judgeTemperature;
    private final int depth;
    private final int maxDepthIncrease;
    private final int beamSize;
    private final int numTrainingExamples;
    private final boolean retIcl;
    private final int k;
    private final long seed;
    private final int concurrency;
    private final int maxReasks;
    private final long tokenBudget;
    private final Path logDir;
    private final Path metricsCachePath;
    private final List<String> queries;
    private final String baseModel;
    private final String baseModelFamily;
    private final String judgeModel;
    private final String metricsModel;
    private final String optimizerModel;
    private final boolean runLog;
    private final TrainFormat trainFormat;

    private TrainConfig(Builder b) {
        this.initialSystemPrompt = ensureNotBlank(b.initialSystemPrompt, "initialSystemPrompt");
        this.nActions = ensureBetween(b.nActions, 1, 16, "nActions");
        this.temperature = ensureTemperature(b.temperature, "temperature");
        this.judgeTemperature = ensureTemperature(b.judgeTemperature, "judgeTemperature");
        this.depth = ensureBetween(b.depth, 1, 10_000, "depth");
        this.maxDepthIncrease = ensureBetween(b.maxDepthIncrease, 0, 10_000, "maxDepthIncrease");
        this.beamSize = ensureBetween(b.beamSize, 1, 64, "beamSize");
        this.numTrainingExamples = ensureBetween(b.numTrainingExamples, 1, 1_000_000, "numTrainingExamples");
        this.retIcl = b.retIcl;
        this.k = ensureBetween(b.k, 1, 5, "k");
        this.seed = b.seed;
        this.concurrency = ensureBetween(b.concurrency, 1, 256, "concurrency");
        this.maxReasks = ensureBetween(b.maxReasks, 0, 10, "maxReasks");
        if (b.tokenBudget < 1) {
            throw new InvalidRequestException("tokenBudget must be positive, but was " + b.tokenBudget);
        }
        this.tokenBudget = b.tokenBudget;
        if (b.logDir == null) {
            throw new InvalidRequestException("logDir must be set: the run's calls, trace and prompt are kept there");
        }
        this.logDir = b.logDir;
        this.metricsCachePath = b.metricsCachePath != null ? b.metricsCachePath : b.logDir.resolve("metrics_cache.json");
        if (b.queries != null) {
            if (b.queries.isEmpty()) {
                throw new InvalidRequestException("queries must not be empty");
            }
            for (int i = 0; i < b.queries.size(); i++) {
                if (b.queries.get(i) == null || b.queries.get(i).isBlank()) {
                    throw new InvalidRequestException("queries[" + i + "] must not be empty");
                }
            }
        }
        this.queries = b.queries == null ? null : List.copyOf(b.queries);
        if (b.baseModelFamily != null && !List.of("mistral", "llama", "gpt").contains(b.baseModelFamily)) {
            throw new InvalidRequestException("baseModelFamily must be mistral, llama or gpt, but was \""
                    + b.baseModelFamily + "\"");
        }
        this.baseModel = b.baseModel;
        this.baseModelFamily = b.baseModelFamily;
        this.judgeModel = b.judgeModel;
        this.metricsModel = b.metricsModel;
        this.optimizerModel = b.optimizerModel;
        this.runLog = b.runLog;
        if (b.trainFormat == null) {
            throw new InvalidRequestException("trainFormat must be original or inference, but was null");
        }
        this.trainFormat = b.trainFormat;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.initialSystemPrompt = initialSystemPrompt;
        b.nActions = nActions;
        b.temperature = temperature;
        b.judgeTemperature = judgeTemperature;
        b.depth = depth;
        b.maxDepthIncrease = maxDepthIncrease;
        b.beamSize = beamSize;
        b.numTrainingExamples = numTrainingExamples;
        b.retIcl = retIcl;
        b.k = k;
        b.seed = seed;
        b.concurrency = concurrency;
        b.maxReasks = maxReasks;
        b.tokenBudget = tokenBudget;
        b.logDir = logDir;
        b.metricsCachePath = metricsCachePath;
        b.queries = queries;
        b.baseModel = baseModel;
        b.baseModelFamily = baseModelFamily;
        b.judgeModel = judgeModel;
        b.metricsModel = metricsModel;
        b.optimizerModel = optimizerModel;
        b.runLog = runLog;
        b.trainFormat = trainFormat;
        return b;
    }

    public String initialSystemPrompt() { return initialSystemPrompt; }
    public int nActions() { return nActions; }
    public double temperature() { return temperature; }
    public double judgeTemperature() { return judgeTemperature; }
    public int depth() { return depth; }
    public int maxDepthIncrease() { return maxDepthIncrease; }
    public int beamSize() { return beamSize; }
    public int numTrainingExamples() { return numTrainingExamples; }
    public boolean retIcl() { return retIcl; }
    public int k() { return k; }
    public long seed() { return seed; }
    public int concurrency() { return concurrency; }
    public int maxReasks() { return maxReasks; }
    public long tokenBudget() { return tokenBudget; }
    public Path logDir() { return logDir; }
    public Path metricsCachePath() { return metricsCachePath; }
    /** The exact training queries, or null to sample {@link #numTrainingExamples()} from the pools. */
    public List<String> queries() { return queries; }
    public String baseModel() { return baseModel; }
    public String baseModelFamily() { return baseModelFamily; }
    public String judgeModel() { return judgeModel; }
    public String metricsModel() { return metricsModel; }
    public String optimizerModel() { return optimizerModel; }
    /** Whether the run writes {@code run.log} (the original's {@code disable_log} turns it off). */
    public boolean runLog() { return runLog; }
    /** How the base model is prompted during the search (default {@link TrainFormat#ORIGINAL}). */
    public TrainFormat trainFormat() { return trainFormat; }

    /**
     * The settings that decide what the search does, as JSON (what {@code config.json} holds). Two runs with equal
     * search settings make the same calls; the concurrency, budget and paths do not count.
     */
    public ObjectNode searchSettings() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("base_model", baseModel).put("base_model_family", baseModelFamily).put("judge_model", judgeModel)
                .put("metrics_model", metricsModel).put("optimizer_model", optimizerModel)
                .put("initial_system_prompt", initialSystemPrompt).put("n_actions", nActions)
                .put("temperature", temperature).put("judge_temperature", judgeTemperature).put("depth", depth)
                .put("max_depth_increase", maxDepthIncrease).put("beam_size", beamSize)
                .put("num_training_examples", numTrainingExamples).put("ret_icl", retIcl).put("k", k)
                .put("seed", seed).put("max_reasks", maxReasks).put("train_format", trainFormat.id());
        if (queries != null) {
            queries.forEach(o.putArray("queries")::add);
        }
        return o;
    }

    /** Collects settings; {@link #build()} validates them and names the first bad one. */
    public static final class Builder {
        private String initialSystemPrompt = PromptResources.get("initial_system_prompt.txt");
        private int nActions = DEFAULT_N_ACTIONS;
        private double temperature = DEFAULT_TEMPERATURE;
        private double judgeTemperature = DEFAULT_JUDGE_TEMPERATURE;
        private int depth = DEFAULT_DEPTH;
        private int maxDepthIncrease = DEFAULT_MAX_DEPTH_INCREASE;
        private int beamSize = DEFAULT_BEAM_SIZE;
        private int numTrainingExamples = DEFAULT_NUM_TRAINING_EXAMPLES;
        private boolean retIcl = true;
        private int k = DEFAULT_K;
        private long seed = DEFAULT_SEED;
        private int concurrency = dro.internal.Parallel.DEFAULT_CONCURRENCY;
        private int maxReasks = dro.roles.internal.Reasker.DEFAULT_MAX_REASKS;
        private long tokenBudget = Long.MAX_VALUE;
        private Path logDir;
        private Path metricsCachePath;
        private List<String> queries;
        private String baseModel;
        private String baseModelFamily;
        private String judgeModel;
        private String metricsModel;
        private String optimizerModel;
        private boolean runLog = true;
        private TrainFormat trainFormat = TrainFormat.ORIGINAL;

        private Builder() { }

        public Builder initialSystemPrompt(String v) { initialSystemPrompt = v; return this; }
        public Builder nActions(int v) { nActions = v; return this; }
        public Builder temperature(double v) { temperature = v; return this; }
        public Builder judgeTemperature(double v) { judgeTemperature = v; return this; }
        public Builder depth(int v) { depth = v; return this; }
        public Builder maxDepthIncrease(int v) { maxDepthIncrease = v; return this; }
        public Builder beamSize(int v) { beamSize = v; return this; }
        public Builder numTrainingExamples(int v) { numTrainingExamples = v; return this; }
        public Builder retIcl(boolean v) { retIcl = v; return this; }
        public Builder k(int v) { k = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder concurrency(int v) { concurrency = v; return this; }
        public Builder maxReasks(int v) { maxReasks = v; return this; }
        public Builder tokenBudget(long v) { tokenBudget = v; return this; }
        public Builder logDir(Path v) { logDir = v; return this; }
        public Builder metricsCachePath(Path v) { metricsCachePath = v; return this; }
        public Builder queries(List<String> v) { queries = v; return this; }
        public Builder baseModel(String v) { baseModel = v; return this; }
        public Builder baseModelFamily(String v) { baseModelFamily = v; return this; }
        public Builder judgeModel(String v) { judgeModel = v; return this; }
        public Builder metricsModel(String v) { metricsModel = v; return this; }
        public Builder optimizerModel(String v) { optimizerModel = v; return this; }
        public Builder runLog(boolean v) { runLog = v; return this; }
        /** How the base model is prompted during the search (default {@link TrainFormat#ORIGINAL}). */
        public Builder trainFormat(TrainFormat v) { trainFormat = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(this);
        }
    }
}
