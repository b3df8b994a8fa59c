package dro.backend.internal;

import dro.backend.ChatModel;
import dro.backend.UsageTally;
import dro.backend.ForwardingChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import static dro.internal.Validation.ensureNotNull;

import dro.TokenStream;
import dro.Usage;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A decorator that counts what the wrapped model was asked and what it spent: calls (one per request answered),
 * prompt, completion and evaluated-prompt tokens, per model, each model in a {@link UsageTally}. Decorators wrapping
 * different models may share one {@link Ledger}, which then reports each model apart.
 *
 * <p>Only answered requests count; a failed call adds nothing. A stream counts as a call when it ends, with the usage
 * its end reports (run to its end or cancelled; closed before it ended, a call without tokens); a stream that fails
 * adds nothing. Thread-safe.
 */
public final class UsageAccounting extends ForwardingChatModel {

    /** Thread-safe {@link UsageTally tallies} per model name, shared by any number of {@link UsageAccounting}s. */
    public static final class Ledger {
        private final Map<String, UsageTally> byModel = new ConcurrentHashMap<>();
        private final UsageTally all = new UsageTally();

        /** What {@code model} spent so far; {@link UsageTally.Totals#NONE} for a model never called. */
        public UsageTally.Totals totals(String model) {
            UsageTally t = byModel.get(model);
            return t == null ? UsageTally.Totals.NONE : t.totals();
        }

        /** Every model's totals, by model name in name order. */
        public Map<String, UsageTally.Totals> byModel() {
            Map<String, UsageTally.Totals> out = new TreeMap<>();
            byModel.forEach((k, v) -> out.put(k, v.totals()));
            return out;
        }

        /** The sum over all models. */
        public UsageTally.Totals total() {
            return all.totals();
        }

        void add(String model, Usage usage) {
            byModel.computeIfAbsent(model, m -> new UsageTally()).add(usage);
            all.add(usage);
        }
    }

    private final Ledger ledger;

    /** Counts into a ledger of its own. */
    public UsageAccounting(ChatModel delegate) {
        this(delegate, new Ledger());
    }

    /** Counts into {@code ledger}, which other decorators may share. */
    public UsageAccounting(ChatModel delegate, Ledger ledger) {
        super(delegate);
        this.ledger = ensureNotNull(ledger, "ledger");
    }

    /** The ledger this decorator counts into. */
    public Ledger ledger() {
        return ledger;
    }

    /** What the wrapped model spent so far (through any decorator sharing the ledger). */
    public UsageTally.Totals totals() {
        return ledger.totals(modelName());
    }

    @Override
    protected ChatModelResponse doChat(ChatModelRequest request) {
        ChatModelResponse r = super.doChat(request);
        ledger.add(modelName(), r.usage());
        return r;
    }

    @Override
    protected List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        List<ChatModelResponse> out = super.doChatAll(requests, sharePrefixes);
        for (ChatModelResponse r : out) {
            ledger.add(modelName(), r.usage());
        }
        return out;
    }

    /** Counts the stream when it ends, with the usage its end reports. */
    @Override
    protected TokenStream doStream(ChatModelRequest request) {
        String model = modelName();
        return onEnd(super.doStream(request), g -> ledger.add(model, g == null ? null : g.usage()));
    }
}
