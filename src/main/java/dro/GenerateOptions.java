package dro;

import static dro.internal.Validation.ensureBetween;
import static dro.internal.Validation.ensureNotBlank;
import static dro.internal.Validation.ensureNotNull;
import static dro.internal.Validation.ensurePositive;
import static dro.internal.Validation.ensureStop;
import static dro.internal.Validation.ensureTemperature;
import static dro.internal.Validation.ensureTopP;

import dro.icl.IclOrder;
import java.util.List;
import java.util.Objects;

/**
 * The options of one {@link AutoModel#generate(String, GenerateOptions)} call, with the original's defaults.
 * Immutable; derive variants with {@link #toBuilder()}.
 *
 * <h2>Defaults and overriding</h2>
 * An option is either set (by its builder method) or unset; an unset option reads as its default (the table below).
 * {@link #overrideWith(GenerateOptions)} lays one set of options over another as LangChain4j's
 * {@code ChatRequestParameters.overrideWith} does: the options set in the argument win, the unset ones fall through.
 * {@link AutoModel} lays each call's options over the model's {@link AutoModel.Builder#defaultOptions default
 * options}, so {@code GenerateOptions.builder().seed(7L).build()} changes the seed and keeps every other default of
 * the model.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>userSpecifiedSystemPrompt</td><td>none</td><td>your own system prompt; replaces the optimised one</td></tr>
 *   <tr><td>optimizedPrompt</td><td>true</td><td>use the model's DRO-optimised system prompt (else the base
 *       alignment prompt)</td></tr>
 *   <tr><td>optimizedIcl</td><td>true</td><td>append the most similar in-context examples</td></tr>
 *   <tr><td>numOptimizedIcl</td><td>3</td><td>how many examples, 1 to 5</td></tr>
 *   <tr><td>temperature</td><td>0.7</td><td>0 to 2; 0 is greedy</td></tr>
 *   <tr><td>topP</td><td>0.95</td><td>nucleus sampling, in (0, 1]</td></tr>
 *   <tr><td>maxNewTokens</td><td>512</td><td>at most this many tokens are generated</td></tr>
 *   <tr><td>stop</td><td>{@code <END>}, {@code <END}, {@code <|eot_id|>}</td><td>generation stops at any of
 *       these</td></tr>
 *   <tr><td>seed</td><td>none</td><td>sampling seed, for repeatable sampling at temperature &gt; 0</td></tr>
 *   <tr><td>iclOrder</td><td>{@link IclOrder#SIMILARITY}</td><td>the order of the examples in the prompt: most
 *       similar first (the original's), or {@link IclOrder#FILE} for more shared prompt prefixes</td></tr>
 *   <tr><td>groupSharedPrefixes</td><td>false</td><td>{@link AutoModel#generateAll} runs queries whose prompts share
 *       a prefix one after another; answers stay in query order</td></tr>
 * </table>
 *
 * <p>The last two are the prefix-reuse options (see {@link AutoModel}, "Prefix reuse"). {@code iclOrder(FILE)}
 * changes the prompt; {@code groupSharedPrefixes} changes only the order in which a batch is computed.
 */
public final class GenerateOptions {

    /** The original's stop strings. */
    public static final List<String> DEFAULT_STOP = List.of("<END>", "<END", "<|eot_id|>");
    /** The original's sampling temperature for answers. */
    public static final double DEFAULT_TEMPERATURE = 0.7;
    /** The original's top-p for answers. */
    public static final double DEFAULT_TOP_P = 0.95;
    /** The original's token cap for answers. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 512;
    /** How many in-context examples are appended by default. */
    public static final int DEFAULT_NUM_OPTIMIZED_ICL = 3;
    /** The most in-context examples a prompt can hold. */
    public static final int MAX_NUM_OPTIMIZED_ICL = 5;

    /** No option set: every option reads as its default. */
    public static final GenerateOptions DEFAULTS = builder().build();

    // null: unset (reads as the default)
    private final String userSpecifiedSystemPrompt;
    private final Boolean optimizedPrompt;
    private final Boolean optimizedIcl;
    private final Integer numOptimizedIcl;
    private final Double temperature;
    private final Double topP;
    private final Integer maxNewTokens;
    private final List<String> stop;
    private final Long seed;
    private final IclOrder iclOrder;
    private final Boolean groupSharedPrefixes;

    private GenerateOptions(Builder b) {
        this.userSpecifiedSystemPrompt = b.userSpecifiedSystemPrompt == null ? null
                : ensureNotBlank(b.userSpecifiedSystemPrompt, "userSpecifiedSystemPrompt");
        this.optimizedPrompt = b.optimizedPrompt;
        this.optimizedIcl = b.optimizedIcl;
        this.numOptimizedIcl = b.numOptimizedIcl == null ? null
                : ensureBetween(b.numOptimizedIcl, 1, MAX_NUM_OPTIMIZED_ICL, "numOptimizedIcl");
        this.temperature = b.temperature == null ? null : ensureTemperature(b.temperature, "temperature");
        this.topP = b.topP == null ? null : ensureTopP(b.topP, "topP");
        this.maxNewTokens = b.maxNewTokens == null ? null : ensurePositive(b.maxNewTokens, "maxNewTokens");
        this.stop = b.stopSet ? ensureStop(b.stop, "stop") : null;
        this.seed = b.seed;
        if (b.iclOrderSet) {
            ensureNotNull(b.iclOrder, "iclOrder");
        }
        this.iclOrder = b.iclOrder;
        this.groupSharedPrefixes = b.groupSharedPrefixes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, set and unset as they are here. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.userSpecifiedSystemPrompt = userSpecifiedSystemPrompt;
        b.optimizedPrompt = optimizedPrompt;
        b.optimizedIcl = optimizedIcl;
        b.numOptimizedIcl = numOptimizedIcl;
        b.temperature = temperature;
        b.topP = topP;
        b.maxNewTokens = maxNewTokens;
        b.stop = stop;
        b.stopSet = stop != null;
        b.seed = seed;
        b.iclOrder = iclOrder;
        b.iclOrderSet = iclOrder != null;
        b.groupSharedPrefixes = groupSharedPrefixes;
        return b;
    }

    /**
     * These options with every option set in {@code other} replaced by {@code other}'s; the options {@code other}
     * leaves unset keep their value here (set or unset).
     */
    public GenerateOptions overrideWith(GenerateOptions other) {
        ensureNotNull(other, "other");
        Builder b = toBuilder();
        b.userSpecifiedSystemPrompt = pick(other.userSpecifiedSystemPrompt, userSpecifiedSystemPrompt);
        b.optimizedPrompt = pick(other.optimizedPrompt, optimizedPrompt);
        b.optimizedIcl = pick(other.optimizedIcl, optimizedIcl);
        b.numOptimizedIcl = pick(other.numOptimizedIcl, numOptimizedIcl);
        b.temperature = pick(other.temperature, temperature);
        b.topP = pick(other.topP, topP);
        b.maxNewTokens = pick(other.maxNewTokens, maxNewTokens);
        b.stop = pick(other.stop, stop);
        b.stopSet = b.stop != null;
        b.seed = pick(other.seed, seed);
        b.iclOrder = pick(other.iclOrder, iclOrder);
        b.iclOrderSet = b.iclOrder != null;
        b.groupSharedPrefixes = pick(other.groupSharedPrefixes, groupSharedPrefixes);
        return b.build();
    }

    private static <T> T pick(T over, T under) {
        return over != null ? over : under;
    }

    /** Your own system prompt, or null. */
    public String userSpecifiedSystemPrompt() {
        return userSpecifiedSystemPrompt;
    }

    public boolean optimizedPrompt() {
        return optimizedPrompt == null || optimizedPrompt;
    }

    public boolean optimizedIcl() {
        return optimizedIcl == null || optimizedIcl;
    }

    public int numOptimizedIcl() {
        return numOptimizedIcl != null ? numOptimizedIcl : DEFAULT_NUM_OPTIMIZED_ICL;
    }

    public double temperature() {
        return temperature != null ? temperature : DEFAULT_TEMPERATURE;
    }

    public double topP() {
        return topP != null ? topP : DEFAULT_TOP_P;
    }

    public int maxNewTokens() {
        return maxNewTokens != null ? maxNewTokens : DEFAULT_MAX_NEW_TOKENS;
    }

    public List<String> stop() {
        return stop != null ? stop : DEFAULT_STOP;
    }

    /** The sampling seed, or null. */
    public Long seed() {
        return seed;
    }

    /** The order of the in-context examples in the prompt; default {@link IclOrder#SIMILARITY}, the original's. */
    public IclOrder iclOrder() {
        return iclOrder != null ? iclOrder : IclOrder.SIMILARITY;
    }

    /** Whether {@link AutoModel#generateAll} runs queries whose prompts share a prefix one after another. */
    public boolean groupSharedPrefixes() {
        return groupSharedPrefixes != null && groupSharedPrefixes;
    }

    /** Equal when the same options are set to the same values (an unset option differs from one set to its default). */
    @Override
    public boolean equals(Object o) {
        return o instanceof GenerateOptions g && Objects.equals(userSpecifiedSystemPrompt, g.userSpecifiedSystemPrompt)
                && Objects.equals(optimizedPrompt, g.optimizedPrompt) && Objects.equals(optimizedIcl, g.optimizedIcl)
                && Objects.equals(numOptimizedIcl, g.numOptimizedIcl) && Objects.equals(temperature, g.temperature)
                && Objects.equals(topP, g.topP) && Objects.equals(maxNewTokens, g.maxNewTokens)
                && Objects.equals(stop, g.stop) && Objects.equals(seed, g.seed) && iclOrder == g.iclOrder
                && Objects.equals(groupSharedPrefixes, g.groupSharedPrefixes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userSpecifiedSystemPrompt, optimizedPrompt, optimizedIcl, numOptimizedIcl, temperature,
                topP, maxNewTokens, stop, seed, iclOrder, groupSharedPrefixes);
    }

    /** The options as they read (defaults included). */
    @Override
    public String toString() {
        return "GenerateOptions{userSpecifiedSystemPrompt=" + (userSpecifiedSystemPrompt == null ? "none" : "given")
                + ", optimizedPrompt=" + optimizedPrompt() + ", optimizedIcl=" + optimizedIcl()
                + ", numOptimizedIcl=" + numOptimizedIcl() + ", temperature=" + temperature() + ", topP=" + topP()
                + ", maxNewTokens=" + maxNewTokens() + ", stop=" + stop() + ", seed=" + seed + ", iclOrder="
                + iclOrder() + ", groupSharedPrefixes=" + groupSharedPrefixes() + "}";
    }

    /** Collects options; an option not called stays unset. {@link #build()} validates them. */
    public static final class Builder {
        private String userSpecifiedSystemPrompt;
        private Boolean optimizedPrompt;
        private Boolean optimizedIcl;
        private Integer numOptimizedIcl;
        private Double temperature;
        private Double topP;
        private Integer maxNewTokens;
        private List<String> stop;
        private boolean stopSet;
        private Long seed;
        private IclOrder iclOrder;
        private boolean iclOrderSet;
        private Boolean groupSharedPrefixes;

        private Builder() { }

        /** Your own system prompt; replaces the optimised one. Null leaves it unset. */
        public Builder userSpecifiedSystemPrompt(String systemPrompt) {
            this.userSpecifiedSystemPrompt = systemPrompt;
            return this;
        }

        public Builder optimizedPrompt(boolean optimizedPrompt) {
            this.optimizedPrompt = optimizedPrompt;
            return this;
        }

        public Builder optimizedIcl(boolean optimizedIcl) {
            this.optimizedIcl = optimizedIcl;
            return this;
        }

        public Builder numOptimizedIcl(int numOptimizedIcl) {
            this.numOptimizedIcl = numOptimizedIcl;
            return this;
        }

        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        public Builder topP(double topP) {
            this.topP = topP;
            return this;
        }

        public Builder maxNewTokens(int maxNewTokens) {
            this.maxNewTokens = maxNewTokens;
            return this;
        }

        /** The stop strings; an empty list for none. Null is refused by {@link #build()}. */
        public Builder stop(List<String> stop) {
            this.stop = stop;
            this.stopSet = true;
            return this;
        }

        public Builder stop(String... stop) {
            return stop(List.of(stop));
        }

        /** The sampling seed; null leaves it unset. */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * The order of the retrieved examples in the prompt: {@link IclOrder#SIMILARITY} (most similar first, the
         * original's; the default) or {@link IclOrder#FILE} (the ICL file's order, so that queries retrieving the
         * same examples share their whole system prompt). A prefix-reuse option; it changes the prompt.
         */
        public Builder iclOrder(IclOrder iclOrder) {
            this.iclOrder = iclOrder;
            this.iclOrderSet = true;
            return this;
        }

        /**
         * Whether {@link AutoModel#generateAll} (and {@code completeAll}) may compute the queries in another order, so
         * that queries whose prompts share a prefix (the same examples, with {@link IclOrder#FILE}) run one after
         * another on one slot of a local model. Answers stay in query order; the prompts do not change. Default false.
         */
        public Builder groupSharedPrefixes(boolean groupSharedPrefixes) {
            this.groupSharedPrefixes = groupSharedPrefixes;
            return this;
        }

        /**
         * @throws InvalidRequestException naming the first option whose value is out of range
         */
        public GenerateOptions build() {
            return new GenerateOptions(this);
        }
    }
}
