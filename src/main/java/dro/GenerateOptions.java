package dro;

import static dro.internal.Validation.ensureBetween;
import static dro.internal.Validation.ensureNotBlank;
import static dro.internal.Validation.ensurePositive;

import dro.icl.IclOrder;
import java.util.List;
import java.util.Objects;

/**
 * The options of one {@link AutoModel#generate(String, GenerateOptions)} call, with the original's defaults.
 * Immutable; derive variants with {@link #toBuilder()}.
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

    /** All defaults. */
    public static final GenerateOptions DEFAULTS = builder().build();

    private final String userSpecifiedSystemPrompt;
    private final boolean optimizedPrompt;
    private final boolean optimizedIcl;
    private final int numOptimizedIcl;
    private final double temperature;
    private final double topP;
    private final int maxNewTokens;
    private final List<String> stop;
    private final Long seed;
    private final IclOrder iclOrder;
    private final boolean groupSharedPrefixes;

    private GenerateOptions(Builder b) {
        if (b.userSpecifiedSystemPrompt != null) {
            ensureNotBlank(b.userSpecifiedSystemPrompt, "userSpecifiedSystemPrompt");
        }
        this.userSpecifiedSystemPrompt = b.userSpecifiedSystemPrompt;
        this.optimizedPrompt = b.optimizedPrompt;
        this.optimizedIcl = b.optimizedIcl;
        this.numOptimizedIcl = ensureBetween(b.numOptimizedIcl, 1, 5, "numOptimizedIcl");
        this.temperature = ensureBetween(b.temperature, 0.0, 2.0, "temperature");
        if (Double.isNaN(b.topP) || b.topP <= 0 || b.topP > 1) {
            throw new InvalidRequestException("topP must be in (0, 1], but was " + b.topP);
        }
        this.topP = b.topP;
        this.maxNewTokens = ensurePositive(b.maxNewTokens, "maxNewTokens");
        if (b.stop == null) {
            throw new InvalidRequestException("stop must not be null (use an empty list for no stop strings)");
        }
        for (String s : b.stop) {
            if (s == null || s.isEmpty()) {
                throw new InvalidRequestException("stop strings must not be empty, but stop was " + b.stop);
            }
        }
        this.stop = List.copyOf(b.stop);
        this.seed = b.seed;
        if (b.iclOrder == null) {
            throw new InvalidRequestException("iclOrder must not be null (the default is SIMILARITY)");
        }
        this.iclOrder = b.iclOrder;
        this.groupSharedPrefixes = b.groupSharedPrefixes;
    }

    public static Builder builder() {
        return new Builder();
    }

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
        b.seed = seed;
        b.iclOrder = iclOrder;
        b.groupSharedPrefixes = groupSharedPrefixes;
        return b;
    }

    /** Your own system prompt, or null. */
    public String userSpecifiedSystemPrompt() {
        return userSpecifiedSystemPrompt;
    }

    public boolean optimizedPrompt() {
        return optimizedPrompt;
    }

    public boolean optimizedIcl() {
        return optimizedIcl;
    }

    public int numOptimizedIcl() {
        return numOptimizedIcl;
    }

    public double temperature() {
        return temperature;
    }

    public double topP() {
        return topP;
    }

    public int maxNewTokens() {
        return maxNewTokens;
    }

    public List<String> stop() {
        return stop;
    }

    /** The sampling seed, or null. */
    public Long seed() {
        return seed;
    }

    /** The order of the in-context examples in the prompt; default {@link IclOrder#SIMILARITY}, the original's. */
    public IclOrder iclOrder() {
        return iclOrder;
    }

    /** Whether {@link AutoModel#generateAll} runs queries whose prompts share a prefix one after another. */
    public boolean groupSharedPrefixes() {
        return groupSharedPrefixes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerateOptions g && Objects.equals(userSpecifiedSystemPrompt, g.userSpecifiedSystemPrompt)
                && optimizedPrompt == g.optimizedPrompt && optimizedIcl == g.optimizedIcl
                && numOptimizedIcl == g.numOptimizedIcl && temperature == g.temperature && topP == g.topP
                && maxNewTokens == g.maxNewTokens && stop.equals(g.stop) && Objects.equals(seed, g.seed)
                && iclOrder == g.iclOrder && groupSharedPrefixes == g.groupSharedPrefixes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(userSpecifiedSystemPrompt, optimizedPrompt, optimizedIcl, numOptimizedIcl, temperature,
                topP, maxNewTokens, stop, seed, iclOrder, groupSharedPrefixes);
    }

    @Override
    public String toString() {
        return "GenerateOptions{userSpecifiedSystemPrompt=" + (userSpecifiedSystemPrompt == null ? "none" : "given")
                + ", optimizedPrompt=" + optimizedPrompt + ", optimizedIcl=" + optimizedIcl
                + ", numOptimizedIcl=" + numOptimizedIcl + ", temperature=" + temperature + ", topP=" + topP
                + ", maxNewTokens=" + maxNewTokens + ", stop=" + stop + ", seed=" + seed + ", iclOrder=" + iclOrder
                + ", groupSharedPrefixes=" + groupSharedPrefixes + "}";
    }

    /** Collects options; {@link #build()} validates them. */
    public static final class Builder {
        private String userSpecifiedSystemPrompt;
        private boolean optimizedPrompt = true;
        private boolean optimizedIcl = true;
        private int numOptimizedIcl = 3;
        private double temperature = 0.7;
        private double topP = 0.95;
        private int maxNewTokens = 512;
        private List<String> stop = DEFAULT_STOP;
        private Long seed;
        private IclOrder iclOrder = IclOrder.SIMILARITY;
        private boolean groupSharedPrefixes;

        private Builder() { }

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

        public Builder stop(List<String> stop) {
            this.stop = stop;
            return this;
        }

        public Builder stop(String... stop) {
            this.stop = List.of(stop);
            return this;
        }

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
