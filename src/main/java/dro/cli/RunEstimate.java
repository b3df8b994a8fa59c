package dro.cli;
import dro.train.run.TrainConfig;
import dro.train.run.LlmOptimizer;
import dro.roles.TrainFormat;
import dro.roles.internal.LlmRoles;
import dro.roles.internal.Aspects;
import dro.roles.Role;

import dro.InvalidRequestException;
import dro.icl.IclExample;
import dro.internal.Validation;
import dro.prompt.internal.PromptAssembler;
import dro.prompt.internal.PromptTemplate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An upper bound of the model calls and tokens of one DRO prompt search, per role, computed before any call from the
 * search settings, the training queries and the prompt texts. Pure arithmetic: nothing is called, loaded or written.
 *
 * <h2>Calls</h2>
 * Following the search (DRO-reference section 4):
 * <ul>
 *   <li>A path is at most {@code L = min(depth + maxDepthIncrease, queries)} steps long; step {@code i} uses query
 *   {@code i}. The initial step costs one base-model call and one judge call; levels {@code 1 .. L-1} follow.</li>
 *   <li>Level 1 expands the root alone; a later level expands {@code min(beamSize, items × nActions)} beam items of
 *   the level before. Each beam item costs one optimiser call (with {@code nActions} samples), and each of its
 *   {@code nActions} children one base-model call and one judge call.</li>
 *   <li>Aspects are selected once per distinct query of the path: at most {@code L} calls.</li>
 *   <li>Every level is assumed to optimise (all {@code nActions} children) and the depth to grow to its maximum,
 *   although in a real run only steps that need no optimisation (one child) extend the depth.</li>
 *   <li>The judge, metrics model and optimiser reply in JSON; an unreadable reply is asked again up to
 *   {@code maxReasks} times. The bound counts calls both without and with those re-asks; tokens are bounded with
 *   them. The base model is never re-asked.</li>
 * </ul>
 *
 * <h2>Tokens</h2>
 * Prompt tokens come from the prompt texts the roles send ({@link PromptTexts}), filled with the real training
 * queries and the {@code k} longest in-context examples, converted at {@link Assumptions#charsPerToken()}
 * characters per token plus {@link Assumptions#overheadTokensPerCall()} for the chat format. The parts a model
 * writes during the run are bounded by the cap of the call that writes them: a system prompt by the optimiser's
 * completion cap (or the initial prompt, if longer), an answer by the base model's cap, an evaluation by the judge's
 * cap. Completions count at their caps: base model, judge, metrics model, and the optimiser's cap times
 * {@code nActions} samples.
 */
public final class RunEstimate {

    /**
     * How texts become tokens, and the completion caps of each role's calls (what {@link LlmRoles} asks for).
     *
     * @param charsPerToken        characters per token; English prose averages about 4 with the GPT and Llama
     *                             tokenizers, so 3 leaves a margin
     * @param overheadTokensPerCall tokens the chat format adds to a call's messages
     */
    public record Assumptions(double charsPerToken, int overheadTokensPerCall, int baseMaxTokens, int judgeMaxTokens,
                              int metricsMaxTokens, int optimizerMaxTokens) {

        /** 3 characters per token, 8 tokens per call, and the caps the roles ask for. */
        public static final Assumptions DEFAULT = new Assumptions(3.0, 8, LlmRoles.BASE_MAX_TOKENS,
                LlmRoles.JUDGE_MAX_TOKENS, LlmRoles.METRICS_MAX_TOKENS, LlmOptimizer.MAX_TOKENS);

        public Assumptions {
            Validation.ensureGreaterThan(charsPerToken, 0, "charsPerToken");
            Validation.ensureBetween(overheadTokensPerCall, 0, Integer.MAX_VALUE, "overheadTokensPerCall");
            Validation.ensurePositive(baseMaxTokens, "baseMaxTokens");
            Validation.ensurePositive(judgeMaxTokens, "judgeMaxTokens");
            Validation.ensurePositive(metricsMaxTokens, "metricsMaxTokens");
            Validation.ensurePositive(optimizerMaxTokens, "optimizerMaxTokens");
        }

        /** The tokens of a text: its characters divided by {@link #charsPerToken()}, rounded up. */
        public long tokens(String text) {
            return (long) Math.ceil(text.length() / charsPerToken);
        }
    }

    /**
     * The texts each role is sent, with the parts a model writes during the run left empty (they are bounded by
     * token caps instead).
     */
    public interface PromptTexts {

        /** The base model's prompt for a query (all its messages, concatenated). */
        String base(String systemPrompt, List<IclExample> examples, String query);

        /** The metrics model's prompt (aspect selection) for a query. */
        String metrics(String query);

        /** The judge's prompt for a query and an answer, on the most aspects a selection can hold. */
        String judge(String query, String output);

        /** The optimiser's prompt. */
        String optimizer(String systemPrompt, List<String> history, String query, String output, String evaluation);

        /** Appended to a JSON prompt when it is asked again. */
        String reask();

        /** The texts of training as {@link LlmRoles} sends them, with the prompts of {@code prompts/}. */
        PromptTexts TRAINING = new PromptTexts() {
            private final PromptTemplate selection = PromptTemplate.resource("aspect_selection.txt");
            private final PromptTemplate judge = PromptTemplate.resource("judge.txt");
            private final PromptTemplate optimizer = PromptTemplate.resource("optimizer.txt");

            @Override
            public String base(String systemPrompt, List<IclExample> examples, String query) {
                return trainingBasePrompt(systemPrompt, examples, query);
            }

            @Override
            public String metrics(String query) {
                return selection.render(Map.of("aspects", LlmRoles.aspectList(new ArrayList<>(Aspects.all().keySet())),
                        "query", query));
            }

            @Override
            public String judge(String query, String output) {
                List<String> longest = new ArrayList<>(Aspects.all().keySet());
                longest.sort(Comparator.comparingInt((String a) -> a.length() + Aspects.all().get(a).length())
                        .reversed());
                List<String> aspects = longest.subList(0, Math.min(MAX_ASPECTS, longest.size()));
                return judge.render(Map.of("aspects", LlmRoles.aspectList(aspects), "aspect_names",
                        String.join(", ", aspects), "query", query, "output", output));
            }

            @Override
            public String optimizer(String systemPrompt, List<String> history, String query, String output,
                                    String evaluation) {
                return optimizer.render(Map.of("system_prompt", systemPrompt, "history",
                        LlmOptimizer.history(history), "query", query, "output", output, "evaluation", evaluation));
            }

            @Override
            public String reask() {
                return LlmRoles.REASK;
            }
        };
    }

    /** The most aspects an aspect selection holds. */
    static final int MAX_ASPECTS = 5;

    /**
     * The base model's prompt text for a query during training: the system text of the original's training form
     * ({@link TrainFormat#ORIGINAL}) followed by the user turn. It bounds {@link TrainFormat#INFERENCE} too, whose
     * system text lacks the {@code # instructions} header (a chat template's own tokens are in the per-call overhead).
     */
    static String trainingBasePrompt(String systemPrompt, List<IclExample> examples, String query) {
        return PromptAssembler.trainingSystem(systemPrompt, examples) + PromptAssembler.user(query);
    }

    /**
     * One role's bound.
     *
     * @param calls             calls if every reply is readable
     * @param maxCalls          calls with every JSON call re-asked {@code maxReasks} times
     * @param promptTokens      input tokens, at most (with re-asks)
     * @param completionTokens  output tokens, at most (with re-asks)
     */
    public record RoleBound(Role role, long calls, long maxCalls, long promptTokens, long completionTokens) { }

    /** A price in USD per million input and output tokens. */
    public record Price(double inputPerMillion, double outputPerMillion) {

        /** The cost of a role's bound. */
        public double cost(RoleBound b) {
            return (b.promptTokens() * inputPerMillion + b.completionTokens() * outputPerMillion) / 1_000_000.0;
        }
    }

    private static final Pattern PRICE = Pattern.compile("([^=/\\s]+)=([0-9]+(?:\\.[0-9]+)?)/([0-9]+(?:\\.[0-9]+)?)");

    private final int steps;
    private final int levels;
    private final int queries;
    private final TrainConfig config;
    private final Assumptions assumptions;
    private final Map<Role, RoleBound> roles;

    private RunEstimate(int steps, int levels, int queries, TrainConfig config, Assumptions assumptions,
                        Map<Role, RoleBound> roles) {
        this.steps = steps;
        this.levels = levels;
        this.queries = queries;
        this.config = config;
        this.assumptions = assumptions;
        this.roles = Collections.unmodifiableMap(roles);
    }

    /** The bound for a run of {@code config} over {@code queries} with the ICL examples {@code icl}. */
    public static RunEstimate of(TrainConfig config, List<String> queries, List<IclExample> icl) {
        return of(config, queries, icl, PromptTexts.TRAINING, Assumptions.DEFAULT);
    }

    /** The bound with other prompt texts or assumptions. */
    public static RunEstimate of(TrainConfig config, List<String> queries, List<IclExample> icl, PromptTexts texts,
                                 Assumptions a) {
        if (queries.isEmpty()) {
            throw new InvalidRequestException("queries must not be empty");
        }
        int b = config.beamSize();
        int n = config.nActions();
        int reasks = config.maxReasks();
        int length = (int) Math.min((long) config.depth() + config.maxDepthIncrease(), queries.size());
        List<IclExample> examples = longest(icl, config.k());
        long overhead = a.overheadTokensPerCall();
        long slot = Math.max(a.tokens(config.initialSystemPrompt()), a.optimizerMaxTokens()); // any system prompt
        long reaskTokens = a.tokens(texts.reask());

        // the initial step: the initial prompt on query 0
        long baseCalls = 1;
        long basePrompt = a.tokens(texts.base(config.initialSystemPrompt(), examples, queries.get(0))) + overhead;
        long judgeCalls = 1;
        long judgePrompt = a.tokens(texts.judge(queries.get(0), "")) + a.baseMaxTokens() + overhead;
        long optCalls = 0;
        long optPrompt = 0;
        long items = 1;
        for (int level = 1; level < length; level++) {
            String previous = queries.get(level - 1);
            String query = queries.get(level);
            int versions = Math.min(5, level);
            long optOne = a.tokens(texts.optimizer("", Collections.nCopies(versions, ""), previous, "", ""))
                    + slot * (1 + versions) + a.baseMaxTokens() + a.judgeMaxTokens() + overhead;
            optCalls += items;
            optPrompt += items * optOne;
            long children = items * n;
            baseCalls += children;
            basePrompt += children * (a.tokens(texts.base("", examples, query)) + slot + overhead);
            judgeCalls += children;
            judgePrompt += children * (a.tokens(texts.judge(query, "")) + a.baseMaxTokens() + overhead);
            items = Math.min(b, children);
        }
        long metricsCalls = 0;
        long metricsPrompt = 0;
        Set<String> distinct = new HashSet<>();
        for (String q : queries.subList(0, length)) {
            if (distinct.add(q)) {
                metricsCalls++;
                metricsPrompt += a.tokens(texts.metrics(q)) + overhead;
            }
        }
        long times = 1L + reasks;
        Map<Role, RoleBound> roles = new EnumMap<>(Role.class);
        roles.put(Role.BASE, new RoleBound(Role.BASE, baseCalls, baseCalls, basePrompt, baseCalls * a.baseMaxTokens()));
        roles.put(Role.JUDGE, new RoleBound(Role.JUDGE, judgeCalls, judgeCalls * times,
                judgePrompt * times + judgeCalls * reasks * reaskTokens, judgeCalls * times * a.judgeMaxTokens()));
        roles.put(Role.METRICS, new RoleBound(Role.METRICS, metricsCalls, metricsCalls * times,
                metricsPrompt * times + metricsCalls * reasks * reaskTokens,
                metricsCalls * times * a.metricsMaxTokens()));
        roles.put(Role.OPTIMIZER, new RoleBound(Role.OPTIMIZER, optCalls, optCalls * times,
                optPrompt * times + optCalls * reasks * reaskTokens, optCalls * times * n * a.optimizerMaxTokens()));
        return new RunEstimate(length, length - 1, queries.size(), config, a, roles);
    }

    /** The {@code k} longest examples (query and answer), the most any query can retrieve. */
    static List<IclExample> longest(List<IclExample> icl, int k) {
        List<IclExample> sorted = new ArrayList<>(icl);
        sorted.sort(Comparator.comparingInt((IclExample e) -> e.query().length() + e.answer().length()).reversed());
        return List.copyOf(sorted.subList(0, Math.min(k, sorted.size())));
    }

    /** The longest path, in steps (the initial step included). */
    public int steps() {
        return steps;
    }

    /** The levels of expansion after the initial step. */
    public int levels() {
        return levels;
    }

    /** Each role's bound. */
    public Map<Role, RoleBound> roles() {
        return roles;
    }

    /** A role's bound. */
    public RoleBound role(Role r) {
        return roles.get(r);
    }

    /** Calls of all roles if every reply is readable. */
    public long calls() {
        return roles.values().stream().mapToLong(RoleBound::calls).sum();
    }

    /** Calls of all roles with every re-ask. */
    public long maxCalls() {
        return roles.values().stream().mapToLong(RoleBound::maxCalls).sum();
    }

    /**
     * Reads {@code --price} specifications, {@code ROLE=IN/OUT}: a role ({@code base}, {@code judge},
     * {@code metrics} or {@code optimizer}) and its USD per million input and output tokens, e.g.
     * {@code judge=10/30}.
     *
     * @throws InvalidRequestException naming a specification that does not read, an unknown role or a role priced twice
     */
    public static Map<Role, Price> prices(List<String> specs) {
        Map<Role, Price> out = new EnumMap<>(Role.class);
        for (String spec : specs) {
            Matcher m = PRICE.matcher(spec.strip());
            if (!m.matches()) {
                throw new InvalidRequestException("--price must be ROLE=IN/OUT, with ROLE one of " + roleNames()
                        + " and IN, OUT the USD per million input and output tokens (e.g. judge=10/30), but was \""
                        + spec + "\"");
            }
            Role role = null;
            for (Role r : Role.values()) {
                if (r.label().equals(m.group(1).toLowerCase(Locale.ROOT))) {
                    role = r;
                }
            }
            if (role == null) {
                throw new InvalidRequestException("--price " + spec + " names no role: \"" + m.group(1)
                        + "\" is not one of " + roleNames());
            }
            if (out.put(role, new Price(Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)))) != null) {
                throw new InvalidRequestException("--price gives the " + role.label() + " role twice");
            }
        }
        return out;
    }

    private static String roleNames() {
        List<String> names = new ArrayList<>();
        for (Role r : Role.values()) {
            names.add(r.label());
        }
        return String.join(", ", names);
    }

    /**
     * The estimate as text: the search's shape, a table of calls and tokens per role (with costs where a price is
     * given), totals, and the assumptions.
     *
     * @param models the model name of each role
     */
    public String describe(Map<Role, String> models, Map<Role, Price> prices) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Upper bound of this run's model calls and tokens (no model was called or"
                        + " loaded):%n  beam %d, %d actions, depth %d + up to %d extensions: at most %d steps per path"
                        + " (%d training queries), %d levels after the initial step%n%n", config.beamSize(),
                config.nActions(), config.depth(), config.maxDepthIncrease(), steps, queries, levels));
        int width = 5;
        for (Role r : Role.values()) {
            width = Math.max(width, String.valueOf(models.get(r)).length());
        }
        boolean priced = !prices.isEmpty();
        String row = "  %-9s  %-" + width + "s  %7s  %12s  %13s  %14s" + (priced ? "  %10s" : "%s") + "%n";
        sb.append(String.format(Locale.ROOT, row, "role", "model", "calls", "with re-asks", "input tokens",
                "output tokens", priced ? "cost (USD)" : ""));
        double total = 0;
        Map<String, Long> sums = new LinkedHashMap<>();
        for (Role r : Role.values()) {
            RoleBound b = roles.get(r);
            Price p = prices.get(r);
            String cost = "";
            if (priced) {
                cost = p == null ? "-" : String.format(Locale.ROOT, "%.2f", p.cost(b));
                total += p == null ? 0 : p.cost(b);
            }
            sb.append(String.format(Locale.ROOT, row, r.label(), models.get(r), b.calls(), b.maxCalls(),
                    b.promptTokens(), b.completionTokens(), cost));
            sums.merge("in", b.promptTokens(), Long::sum);
            sums.merge("out", b.completionTokens(), Long::sum);
        }
        String totalCost = "";
        if (priced) {
            List<String> unpriced = new ArrayList<>();
            for (Role r : Role.values()) {
                if (!prices.containsKey(r)) {
                    unpriced.add(r.label());
                }
            }
            totalCost = String.format(Locale.ROOT, "%.2f", total) + (unpriced.isEmpty() ? "" : "*");
            sb.append(String.format(Locale.ROOT, row, "total", "", calls(), maxCalls(), sums.get("in"),
                    sums.get("out"), totalCost));
            if (!unpriced.isEmpty()) {
                sb.append("  * without the unpriced role(s): ").append(String.join(", ", unpriced)).append('\n');
            }
        } else {
            sb.append(String.format(Locale.ROOT, row, "total", "", calls(), maxCalls(), sums.get("in"),
                    sums.get("out"), ""));
        }
        sb.append(String.format(Locale.ROOT, "%nAssumptions:%n"
                        + "  - every level optimises (%d children per beam item) and the depth grows to its maximum;"
                        + " a real run makes fewer calls%n"
                        + "  - \"with re-asks\": each judge, metrics and optimiser reply is unreadable and asked"
                        + " again %d times (--max-reasks); the token columns include those re-asks%n"
                        + "  - aspects are selected once per distinct query; the judge scores %d aspects, the longest"
                        + " ones; the base model gets the %d longest in-context examples%n"
                        + "  - %.1f characters per token, plus %d tokens of chat format per call; a system prompt is at"
                        + " most %d tokens (the optimiser's cap), an answer %d, an evaluation %d%n"
                        + "  - completions at their caps: base model %d, judge %d, metrics %d, optimiser"
                        + " %d x %d samples%n",
                config.nActions(), config.maxReasks(), MAX_ASPECTS, config.k(), assumptions.charsPerToken(),
                assumptions.overheadTokensPerCall(), assumptions.optimizerMaxTokens(), assumptions.baseMaxTokens(),
                assumptions.judgeMaxTokens(), assumptions.baseMaxTokens(), assumptions.judgeMaxTokens(),
                assumptions.metricsMaxTokens(), assumptions.optimizerMaxTokens(), config.nActions()));
        if (priced) {
            sb.append("  - cost = input tokens x IN + output tokens x OUT, in USD per million tokens (--price)\n");
        }
        return sb.toString();
    }
}
