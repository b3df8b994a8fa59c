package dro.backend;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dro.Usage;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one place dro4j adds up token usage: calls answered and their {@link Usage}. {@code UsageAccounting} (a run's
 * usage per model), the token budget ({@code BudgetedChatModel.Budget}) and each endpoint's {@link EndpointStats} count
 * with one, blocking calls, batches and streams alike (a stream adds its usage when it ends).
 *
 * <p>Thread-safe, without locks: concurrent {@link #add}s are all counted; {@link #totals()} taken while calls are
 * being added may reflect part of one.
 */
public final class UsageTally {

    /**
     * What a tally has counted: calls answered, their prompt and completion tokens, and the prompt tokens a local model
     * evaluated, summed over the calls that reported it ({@link Usage#evaluatedPromptTokens()} -1 adds nothing, so 0
     * where a model never reports it). Written as it is into a run's {@code result.json} and {@code summary.json}
     * ({@code usage_by_model}, snake_case keys).
     */
    @JsonPropertyOrder({"calls", "prompt_tokens", "completion_tokens", "evaluated_prompt_tokens"})
    public record Totals(long calls, @JsonProperty("prompt_tokens") long promptTokens,
                         @JsonProperty("completion_tokens") long completionTokens,
                         @JsonProperty("evaluated_prompt_tokens") long evaluatedPromptTokens) {

        /** Nothing counted. */
        public static final Totals NONE = new Totals(0, 0, 0, 0);

        /** Prompt and completion tokens. */
        public long tokens() {
            return promptTokens + completionTokens;
        }

        /** Both counts together, field by field. */
        public Totals plus(Totals other) {
            return new Totals(calls + other.calls, promptTokens + other.promptTokens,
                    completionTokens + other.completionTokens, evaluatedPromptTokens + other.evaluatedPromptTokens);
        }

        /** One line for a report, e.g. {@code 12 calls, 3400 + 560 tokens}. */
        public String describe() {
            return calls + " calls, " + promptTokens + " + " + completionTokens + " tokens";
        }
    }

    private final LongAdder calls = new LongAdder();
    private final LongAdder prompt = new LongAdder();
    private final LongAdder completion = new LongAdder();
    private final LongAdder evaluated = new LongAdder();

    /**
     * Counts one answered call and what it spent; {@code usage} null for a call whose usage is not known (a stream
     * closed before it ended). Negative figures ({@code -1}: not reported) add nothing.
     */
    public void add(Usage usage) {
        calls.increment();
        if (usage != null) {
            prompt.add(Math.max(0, usage.promptTokens()));
            completion.add(Math.max(0, usage.completionTokens()));
            evaluated.add(Math.max(0, usage.evaluatedPromptTokens()));
        }
    }

    /** Prompt and completion tokens counted so far. */
    public long tokens() {
        return prompt.sum() + completion.sum();
    }

    /** Calls counted so far. */
    public long calls() {
        return calls.sum();
    }

    /** Everything counted so far. */
    public Totals totals() {
        return new Totals(calls.sum(), prompt.sum(), completion.sum(), evaluated.sum());
    }

    @Override
    public String toString() {
        return "UsageTally" + totals();
    }
}
