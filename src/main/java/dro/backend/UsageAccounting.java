package dro.backend;

import static dro.internal.Validation.ensureNotNull;

import dro.Usage;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A decorator that counts what the wrapped model was asked and what it spent: calls (one per request answered),
 * prompt, completion and evaluated-prompt tokens, per model. Decorators wrapping different models may share one
 * {@link Ledger}, which then reports each model apart.
 *
 * <p>Only answered requests count; a failed call adds nothing. A stream counts as a call when it starts; its tokens are
 * not counted (they are known only when it ends). Thread-safe.
 */
public final class UsageAccounting extends ForwardingChatModel {

    /** What one model spent. {@code evaluatedPromptTokens} sums the calls that reported it ({@link Usage}: -1 is not). */
    public record Totals(long calls, long promptTokens, long completionTokens, long evaluatedPromptTokens) {

        public static final Totals NONE = new Totals(0, 0, 0, 0);

        /** Prompt and completion tokens. */
        public long tokens() {
            return promptTokens + completionTokens;
        }
    }

    /** Thread-safe sums per model name, shared by any number of {@link UsageAccounting} decorators. */
    public static final class Ledger {
        private final Map<String, Sums> byModel = new ConcurrentHashMap<>();

        /** What {@code model} spent so far; {@link Totals#NONE} for a model never called. */
        public Totals totals(String model) {
            Sums s = byModel.get(model);
            return s == null ? Totals.NONE : s.totals();
        }

        /** Every model's totals, by model name in name order. */
        public Map<String, Totals> byModel() {
            Map<String, Totals> out = new TreeMap<>();
            byModel.forEach((k, v) -> out.put(k, v.totals()));
            return out;
        }

        /** The sum over all models. */
        public Totals total() {
            long c = 0, p = 0, g = 0, e = 0;
            for (Totals t : byModel().values()) {
                c += t.calls();
                p += t.promptTokens();
                g += t.completionTokens();
                e += t.evaluatedPromptTokens();
            }
            return new Totals(c, p, g, e);
        }

        void add(String model, int calls, Usage usage) {
            byModel.computeIfAbsent(model, m -> new Sums()).add(calls, usage);
        }
    }

    private static final class Sums {
        final LongAdder calls = new LongAdder();
        final LongAdder prompt = new LongAdder();
        final LongAdder completion = new LongAdder();
        final LongAdder evaluated = new LongAdder();

        void add(int n, Usage u) {
            calls.add(n);
            if (u != null) {
                prompt.add(Math.max(0, u.promptTokens()));
                completion.add(Math.max(0, u.completionTokens()));
                evaluated.add(Math.max(0, u.evaluatedPromptTokens()));
            }
        }

        Totals totals() {
            return new Totals(calls.sum(), prompt.sum(), completion.sum(), evaluated.sum());
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
    public Totals totals() {
        return ledger.totals(modelName());
    }

    @Override
    public ChatModelResponse doChat(ChatModelRequest request) {
        ChatModelResponse r = super.doChat(request);
        ledger.add(modelName(), 1, r.usage());
        return r;
    }

    @Override
    public List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        List<ChatModelResponse> out = super.doChatAll(requests, sharePrefixes);
        for (ChatModelResponse r : out) {
            ledger.add(modelName(), 1, r.usage());
        }
        return out;
    }

    @Override
    public dro.TokenStream doStream(ChatModelRequest request) {
        dro.TokenStream s = super.doStream(request);
        ledger.add(modelName(), 1, null);
        return s;
    }
}
