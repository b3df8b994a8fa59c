package dro.eval;

import static dro.internal.Validation.ensureTemperature;
import static dro.internal.Validation.ensureBetween;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.InvalidRequestException;
import dro.internal.Json;
import java.nio.file.Path;

/**
 * The settings of one evaluation run: how the model answers (temperature 0, at most 1024 new tokens), how the judge
 * scores (temperature 0), re-asks for unreadable verdicts (2), calls at once (8), an optional token budget, and
 * the run directory. The model names are recorded in the outputs.
 *
 * <p>Immutable; {@link #toBuilder()} derives variants.
 */
public final class EvalSettings {

    /** The evaluated model's temperature: 0, greedy. */
    public static final double DEFAULT_TEMPERATURE = 0.0;
    /** The evaluated model's token cap per answer. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 1024;
    /** The judge's temperature. */
    public static final double DEFAULT_JUDGE_TEMPERATURE = 0.0;

    private final Path outDir;
    private final double temperature;
    private final int maxNewTokens;
    private final double judgeTemperature;
    private final int maxReasks;
    private final int concurrency;
    private final long tokenBudget;
    private final String model;
    private final String judgeModel;

    private EvalSettings(Builder b) {
        if (b.outDir == null) {
            throw new InvalidRequestException("outDir must be set: the run's calls and results are kept there");
        }
        this.outDir = b.outDir;
        this.temperature = ensureTemperature(b.temperature, "temperature");
        this.maxNewTokens = ensureBetween(b.maxNewTokens, 1, 1_000_000, "maxNewTokens");
        this.judgeTemperature = ensureTemperature(b.judgeTemperature, "judgeTemperature");
        this.maxReasks = ensureBetween(b.maxReasks, 0, 10, "maxReasks");
        this.concurrency = ensureBetween(b.concurrency, 1, 256, "concurrency");
        if (b.tokenBudget < 1) {
            throw new InvalidRequestException("tokenBudget must be positive, but was " + b.tokenBudget);
        }
        this.tokenBudget = b.tokenBudget;
        this.model = b.model;
        this.judgeModel = b.judgeModel;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.outDir = outDir;
        b.temperature = temperature;
        b.maxNewTokens = maxNewTokens;
        b.judgeTemperature = judgeTemperature;
        b.maxReasks = maxReasks;
        b.concurrency = concurrency;
        b.tokenBudget = tokenBudget;
        b.model = model;
        b.judgeModel = judgeModel;
        return b;
    }

    /** The run directory. */
    public Path outDir() { return outDir; }
    /** The evaluated model's sampling temperature. */
    public double temperature() { return temperature; }
    /** The most tokens per answer. */
    public int maxNewTokens() { return maxNewTokens; }
    public double judgeTemperature() { return judgeTemperature; }
    public int maxReasks() { return maxReasks; }
    public int concurrency() { return concurrency; }
    public long tokenBudget() { return tokenBudget; }
    /** The evaluated model's name (recorded). */
    public String model() { return model; }
    /** The judge's name (recorded). */
    public String judgeModel() { return judgeModel; }

    /** The settings as JSON, for {@code config.json}. */
    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("model", model).put("judge_model", judgeModel).put("temperature", temperature)
                .put("max_new_tokens", maxNewTokens).put("judge_temperature", judgeTemperature)
                .put("max_reasks", maxReasks);
        return o;
    }

    /** Collects settings; {@link #build()} validates them and names the first bad one. */
    public static final class Builder {
        private Path outDir;
        private double temperature = DEFAULT_TEMPERATURE;
        private int maxNewTokens = DEFAULT_MAX_NEW_TOKENS;
        private double judgeTemperature = DEFAULT_JUDGE_TEMPERATURE;
        private int maxReasks = dro.roles.internal.Reasker.DEFAULT_MAX_REASKS;
        private int concurrency = dro.internal.Parallel.DEFAULT_CONCURRENCY;
        private long tokenBudget = Long.MAX_VALUE;
        private String model;
        private String judgeModel;

        private Builder() { }

        public Builder outDir(Path v) { outDir = v; return this; }
        public Builder temperature(double v) { temperature = v; return this; }
        public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
        public Builder judgeTemperature(double v) { judgeTemperature = v; return this; }
        public Builder maxReasks(int v) { maxReasks = v; return this; }
        public Builder concurrency(int v) { concurrency = v; return this; }
        public Builder tokenBudget(long v) { tokenBudget = v; return this; }
        public Builder model(String v) { model = v; return this; }
        public Builder judgeModel(String v) { judgeModel = v; return this; }

        public EvalSettings build() {
            return new EvalSettings(this);
        }
    }
}
