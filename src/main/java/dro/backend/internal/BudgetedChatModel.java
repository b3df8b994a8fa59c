package dro.backend.internal;

import dro.backend.ChatModel;
import dro.backend.UsageTally;
import dro.backend.ForwardingChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import static dro.internal.Validation.ensureNotNull;

import dro.BudgetExceededException;
import dro.InvalidRequestException;
import dro.TokenStream;
import dro.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * A decorator that stops making calls once a {@link Budget} of tokens is spent: each call that reaches it is refused
 * with a {@link BudgetExceededException} when the calls it let through have already spent the budget's limit (prompt
 * plus completion tokens); a call under the limit runs to its end, so the last one may overshoot it.
 *
 * <p>Several decorators (one per role's model) may share one budget. Placed under a call recording (the recording
 * wrapping this), only new calls spend: recorded ones never reach it, which is how a run resumes with a larger
 * budget. A stream is checked when it starts and spends what its end reports (see {@link ForwardingChatModel#onEnd}),
 * so a stream that spends the rest of the budget refuses the next call.
 *
 * <p>Thread-safe; concurrent calls that start while the budget is not yet spent all run.
 */
public final class BudgetedChatModel extends ForwardingChatModel {

    /** Tokens that calls may spend, shared by any number of {@link BudgetedChatModel}s. Thread-safe. */
    public static final class Budget {
        private final long limit;
        private final UsageTally spent = new UsageTally();

        /**
         * @param limit tokens that calls may spend, at least 1, or {@link Long#MAX_VALUE} for no limit
         */
        public Budget(long limit) {
            if (limit < 1) {
                throw new InvalidRequestException("the token budget must be positive, but was " + limit);
            }
            this.limit = limit;
        }

        public long limit() {
            return limit;
        }

        /** Prompt and completion tokens spent so far. */
        public long spent() {
            return spent.tokens();
        }

        /** Calls that spent from this budget. */
        public long calls() {
            return spent.calls();
        }

        /** Throws if the budget is spent. */
        void check() {
            UsageTally.Totals t = spent.totals();
            if (t.tokens() >= limit) {
                throw new BudgetExceededException("The token budget of " + limit + " is spent (" + t.tokens()
                        + " tokens in " + t.calls() + " calls); run again with a larger budget to resume where it"
                        + " stopped");
            }
        }

        void spend(Usage usage) {
            spent.add(usage);
        }
    }

    private final Budget budget;

    /**
     * @throws InvalidRequestException if an argument is null
     */
    public BudgetedChatModel(ChatModel delegate, Budget budget) {
        super(delegate);
        this.budget = ensureNotNull(budget, "budget");
    }

    /** The budget this model spends from. */
    public Budget budget() {
        return budget;
    }

    @Override
    protected ChatModelResponse doChat(ChatModelRequest request) {
        budget.check();
        ChatModelResponse r = super.doChat(request);
        budget.spend(r.usage());
        return r;
    }

    @Override
    protected List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        budget.check();
        List<ChatModelResponse> out = super.doChatAll(requests, sharePrefixes);
        out.forEach(r -> budget.spend(r.usage()));
        return new ArrayList<>(out);
    }

    /** Checked when it starts; spends what its end reports. */
    @Override
    protected TokenStream doStream(ChatModelRequest request) {
        budget.check();
        return onEnd(super.doStream(request), g -> budget.spend(g == null ? null : g.usage()));
    }
}
