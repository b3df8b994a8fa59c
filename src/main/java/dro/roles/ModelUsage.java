package dro.roles;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dro.backend.UsageAccounting;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one model of a run spent, as the run files write it ({@code usage_by_model} in {@code result.json} and
 * {@code summary.json}): calls answered, prompt and completion tokens, and the prompt tokens a local model evaluated
 * (0 where the model does not report them). Counted by {@link UsageAccounting} under every role's model.
 */
@JsonPropertyOrder({"calls", "prompt_tokens", "completion_tokens", "evaluated_prompt_tokens"})
public record ModelUsage(long calls, @JsonProperty("prompt_tokens") long promptTokens,
                         @JsonProperty("completion_tokens") long completionTokens,
                         @JsonProperty("evaluated_prompt_tokens") long evaluatedPromptTokens) {

    /** The totals of one model. */
    public static ModelUsage of(UsageAccounting.Totals t) {
        return new ModelUsage(t.calls(), t.promptTokens(), t.completionTokens(), t.evaluatedPromptTokens());
    }

    /** Every model's usage, in the order of {@code byModel}. */
    public static Map<String, ModelUsage> of(Map<String, UsageAccounting.Totals> byModel) {
        Map<String, ModelUsage> out = new LinkedHashMap<>();
        byModel.forEach((m, t) -> out.put(m, of(t)));
        return out;
    }

    /** One line for a report, e.g. {@code 12 calls, 3400 + 560 tokens}. */
    public String describe() {
        return calls + " calls, " + promptTokens + " + " + completionTokens + " tokens";
    }
}
