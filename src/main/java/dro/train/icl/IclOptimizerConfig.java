package dro.train.icl;

import static dro.internal.Validation.ensureTemperature;
import static dro.internal.Validation.ensureBetween;
import static dro.internal.Validation.ensureNotBlank;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.InvalidRequestException;
import dro.internal.Json;
import dro.prompt.internal.PromptResources;
import java.nio.file.Path;

/**
 * The settings of one ICL optimisation run: {@code numIters} rewrites at most per seed (5, the original's
 * {@code num_iters}), the rewriter's temperature (0.7), the critic's (0), re-asks for unreadable replies (2), calls at
 * once (8), an optional token budget, and for seeds without an answer the system prompt and token limit the answer
 * model writes under (the base alignment prompt, 2048).
 *
 * <p>Immutable; {@link #toBuilder()} derives variants.
 */
public final class IclOptimizerConfig {

    /** Default rewrites at most per seed (the original's). */
    public static final int DEFAULT_NUM_ITERS = 5;

    /** The rewriter's temperature. */
    public static final double DEFAULT_TEMPERATURE = 0.7;
    /** The critic's temperature. */
    public static final double DEFAULT_CRITIC_TEMPERATURE = 0.0;
    /** The answer model's token cap, for seeds without an answer. */
    public static final int DEFAULT_ANSWER_MAX_TOKENS = 2048;

    private final int numIters;
    private final double temperature;
    private final double criticTemperature;
    private final int maxReasks;
    private final int concurrency;
    private final long tokenBudget;
    private final Path outDir;
    private final Path iclFile;
    private final Path metricsCachePath;
    private final String answerSystemPrompt;
    private final int answerMaxTokens;
    private final String criticModel;
    private final String metricsModel;
    private final String rewriteModel;
    private final String answerModel;

    private IclOptimizerConfig(Builder b) {
        this.numIters = ensureBetween(b.numIters, 0, 1000, "numIters");
        this.temperature = ensureTemperature(b.temperature, "temperature");
        this.criticTemperature = ensureTemperature(b.criticTemperature, "criticTemperature");
        this.maxReasks = ensureBetween(b.maxReasks, 0, 10, "maxReasks");
        this.concurrency = ensureBetween(b.concurrency, 1, 256, "concurrency");
        if (b.tokenBudget < 1) {
            throw new InvalidRequestException("tokenBudget must be positive, but was " + b.tokenBudget);
        }
        this.tokenBudget = b.tokenBudget;
        if (b.outDir == null) {
            throw new InvalidRequestException("outDir must be set: the run's calls, trace and ICL file are kept there");
        }
        this.outDir = b.outDir;
        this.iclFile = b.iclFile != null ? b.iclFile : b.outDir.resolve("ICL_examples.json");
        this.metricsCachePath = b.metricsCachePath != null ? b.metricsCachePath : b.outDir.resolve("metrics_cache.json");
        this.answerSystemPrompt = ensureNotBlank(b.answerSystemPrompt, "answerSystemPrompt");
        this.answerMaxTokens = ensureBetween(b.answerMaxTokens, 1, 1_000_000, "answerMaxTokens");
        this.criticModel = b.criticModel;
        this.metricsModel = b.metricsModel;
        this.rewriteModel = b.rewriteModel;
        this.answerModel = b.answerModel;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.numIters = numIters;
        b.temperature = temperature;
        b.criticTemperature = criticTemperature;
        b.maxReasks = maxReasks;
        b.concurrency = concurrency;
        b.tokenBudget = tokenBudget;
        b.outDir = outDir;
        b.iclFile = iclFile;
        b.metricsCachePath = metricsCachePath;
        b.answerSystemPrompt = answerSystemPrompt;
        b.answerMaxTokens = answerMaxTokens;
        b.criticModel = criticModel;
        b.metricsModel = metricsModel;
        b.rewriteModel = rewriteModel;
        b.answerModel = answerModel;
        return b;
    }

    /** Rewrites at most per seed. */
    public int numIters() { return numIters; }
    /** The rewriter's sampling temperature. */
    public double temperature() { return temperature; }
    public double criticTemperature() { return criticTemperature; }
    public int maxReasks() { return maxReasks; }
    public int concurrency() { return concurrency; }
    public long tokenBudget() { return tokenBudget; }
    /** The run directory. */
    public Path outDir() { return outDir; }
    /** Where the optimised ICL file is written (default {@code <outDir>/ICL_examples.json}). */
    public Path iclFile() { return iclFile; }
    /** The critic's aspect selections (default {@code <outDir>/metrics_cache.json}). */
    public Path metricsCachePath() { return metricsCachePath; }
    public String answerSystemPrompt() { return answerSystemPrompt; }
    public int answerMaxTokens() { return answerMaxTokens; }
    public String criticModel() { return criticModel; }
    public String metricsModel() { return metricsModel; }
    public String rewriteModel() { return rewriteModel; }
    public String answerModel() { return answerModel; }

    /** The settings that decide what the run does, as JSON ({@code config.json}). */
    public ObjectNode settings() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("critic_model", criticModel).put("metrics_model", metricsModel).put("rewrite_model", rewriteModel)
                .put("answer_model", answerModel).put("num_iters", numIters).put("temperature", temperature)
                .put("critic_temperature", criticTemperature).put("max_reasks", maxReasks)
                .put("answer_system_prompt", answerSystemPrompt).put("answer_max_tokens", answerMaxTokens);
        return o;
    }

    /** Collects settings; {@link #build()} validates them and names the first bad one. */
    public static final class Builder {
        private int numIters = DEFAULT_NUM_ITERS;
        private double temperature = DEFAULT_TEMPERATURE;
        private double criticTemperature = DEFAULT_CRITIC_TEMPERATURE;
        private int maxReasks = dro.roles.internal.Reasker.DEFAULT_MAX_REASKS;
        private int concurrency = dro.internal.Parallel.DEFAULT_CONCURRENCY;
        private long tokenBudget = Long.MAX_VALUE;
        private Path outDir;
        private Path iclFile;
        private Path metricsCachePath;
        private String answerSystemPrompt = PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT);
        private int answerMaxTokens = DEFAULT_ANSWER_MAX_TOKENS;
        private String criticModel;
        private String metricsModel;
        private String rewriteModel;
        private String answerModel;

        private Builder() { }

        public Builder numIters(int v) { numIters = v; return this; }
        public Builder temperature(double v) { temperature = v; return this; }
        public Builder criticTemperature(double v) { criticTemperature = v; return this; }
        public Builder maxReasks(int v) { maxReasks = v; return this; }
        public Builder concurrency(int v) { concurrency = v; return this; }
        public Builder tokenBudget(long v) { tokenBudget = v; return this; }
        public Builder outDir(Path v) { outDir = v; return this; }
        public Builder iclFile(Path v) { iclFile = v; return this; }
        public Builder metricsCachePath(Path v) { metricsCachePath = v; return this; }
        public Builder answerSystemPrompt(String v) { answerSystemPrompt = v; return this; }
        public Builder answerMaxTokens(int v) { answerMaxTokens = v; return this; }
        public Builder criticModel(String v) { criticModel = v; return this; }
        public Builder metricsModel(String v) { metricsModel = v; return this; }
        public Builder rewriteModel(String v) { rewriteModel = v; return this; }
        public Builder answerModel(String v) { answerModel = v; return this; }

        public IclOptimizerConfig build() {
            return new IclOptimizerConfig(this);
        }
    }
}
