package dro.backend.llamacpp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import dro.ContextOverflowException;
import dro.FinishReason;
import dro.Generation;
import dro.GenerationException;
import dro.InvalidRequestException;
import dro.ModelLoadException;
import dro.TokenStream;
import dro.Usage;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ModelCapabilities;
import dro.backend.ModelCapabilities.Capability;
import dro.backend.internal.PieceStream;
import dro.backend.ResponseFormat;
import dro.gguf.GgufFile;
import dro.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GGUF model run in-process by llama.cpp (through {@code de.kherud:llama}).
 *
 * <p>Chat models (whose GGUF has {@code tokenizer.chat_template}) get their template applied to [system, user] with a
 * generation prompt; base models read {@code system + "\n\n" + user}. Every prompt is counted before it is sent: one
 * that does not fit in {@code maxModelLen} fails with {@link ContextOverflowException}, and the answer is capped at
 * the context that is left. Concurrent requests share the model and run in its parallel slots.
 *
 * <h2>Prefix reuse</h2>
 * Each slot keeps the tokens it last processed, and a request evaluates only the part of its prompt after the longest
 * prefix it shares with them. Every request is pinned to the idle slot where it reuses most, without evicting a long
 * cached prompt to reuse a little (see {@link SlotScheduler}); while all slots are busy it waits, within its
 * {@code timeout}. The prompt tokens actually
 * evaluated are reported in {@link Usage#evaluatedPromptTokens()} (-1 in the rare cases where they cannot be known).
 * A {@link TokenStream} holds its slot until it ends, is cancelled or is closed. {@link #chatAllSharingPrefixes}
 * orders a batch so that requests sharing a prefix run one after another on one slot.
 *
 * <h2>Sharing and closing</h2>
 * Backends of the same model file and load settings share one loaded model, its parallel slots and its
 * {@link SlotScheduler} (see {@link SharedModels}). {@link #close()} cancels this backend's own generations in
 * progress (their streams end as {@link FinishReason#CANCELLED}) and waits, a bounded time, until they have given
 * their slots back; the other backends of the model go on. The last one to close also waits until llama.cpp's task loop
 * has nothing left to compute, and leaves the model loaded and idle for the next backend of that file and those
 * settings: the binding frees none of a model's native memory. The task loop's thread does not keep the JVM from
 * exiting where {@link NativeLibrary#nativeThreadsAreDaemons()} (see {@code dro.AutoModel}, "Exiting the JVM").
 *
 * <p>Thread-safe.
 */
public final class LlamaCppBackend extends ChatModel {

    private static final Logger log = LoggerFactory.getLogger(LlamaCppBackend.class);
    private static final String SYSTEM_SENTINEL = "DRO4JSYSTEMSENTINEL";
    private static final String USER_SENTINEL = "DRO4JUSERSENTINEL";
    private static final int BOS_MARK = -1;
    private static final String JSON_OBJECT_GRAMMAR = readGrammar();

    /** How long {@link #close()} waits for its cancelled generations to end, and then for the task loop. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final SharedModels.Model shared;
    private final LlamaModel model;
    private final GgufFile gguf;
    private final LlamaCppSettings.Plan plan;
    private final Duration timeout;
    private final Skeleton skeleton;
    private final SlotScheduler scheduler;
    /** This backend's streams that still hold a slot (or, without a scheduler, have not ended); guarded by itself. */
    private final Set<LlamaTokenStream> streams = new HashSet<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A chat template rendered once with sentinels: prefix + system + middle + user + suffix. */
    private record Skeleton(String prefix, String middle, String suffix, boolean trims, boolean systemInUser) { }

    private LlamaCppBackend(SharedModels.Model shared, Duration timeout) {
        this.shared = shared;
        this.model = shared.model();
        this.gguf = shared.gguf();
        this.plan = shared.plan();
        this.scheduler = shared.scheduler();
        this.timeout = timeout;
        this.skeleton = gguf.chatTemplate().isPresent() ? renderSkeleton() : null;
    }

    /**
     * Loads a model, or takes the one loaded for the same file and load settings (see {@link SharedModels}).
     *
     * @param nativeLibraryPath a directory with a user-built {@code jllama} library, or null to choose one by
     *                          {@link NativeChoice}'s rules
     * @throws ModelLoadException if the file is missing or not a valid GGUF, a setting cannot be honoured, or
     *                            llama.cpp fails to load it
     */
    public static LlamaCppBackend load(LlamaCppSettings settings, Path nativeLibraryPath, GpuInfo gpuInfo) {
        SharedModels.Model shared = SharedModels.acquire(settings, nativeLibraryPath, gpuInfo);
        try {
            return new LlamaCppBackend(shared, settings.timeout());
        } catch (RuntimeException e) {
            SharedModels.release(shared);
            throw e;
        }
    }

    /** The loaded model this backend uses, shared with the other backends of its file and load settings. */
    SharedModels.Model sharedModel() {
        return shared;
    }

    /** The GGUF header of the loaded model. */
    public GgufFile gguf() {
        return gguf;
    }

    /** The llama.cpp parameters the model was loaded with. */
    public LlamaCppSettings.Plan plan() {
        return plan;
    }

    /** Whether the model has a chat template (a chat or instruct model). */
    public boolean isChatModel() {
        return skeleton != null;
    }

    /**
     * The exact text the model reads: the raw prompt ({@code system + user}) or the chat template applied to the
     * system and user message.
     */
    @Override
    public String renderPrompt(ChatModelRequest request) {
        return request.rawPrompt() ? request.system() + request.user() : renderPrompt(request.system(), request.user());
    }

    /** The text the model reads for a system and a user message under its chat template (base models: joined). */
    public String renderPrompt(String system, String user) {
        if (skeleton == null) {
            return system + "\n\n" + user;
        }
        String s = skeleton.trims ? system.strip() : system;
        String u = skeleton.trims ? user.strip() : user;
        if (skeleton.systemInUser) {
            return skeleton.prefix + s + "\n\n" + u + skeleton.suffix;
        }
        return skeleton.prefix + s + skeleton.middle + u + skeleton.suffix;
    }

    /** Tokens the model reads for this prompt text, including the BOS token it adds. */
    public int countPromptTokens(String prompt) {
        return promptTokens(prompt).length;
    }

    /** The tokens llama.cpp reads for a prompt: the BOS token (if the model adds one), then the text's tokens. */
    private int[] promptTokens(String prompt) {
        ensureOpen();
        int[] text = model.encode(prompt);
        if (!gguf.addsBos()) {
            return text;
        }
        int[] out = new int[text.length + 1];
        out[0] = BOS_MARK; // the same for every prompt, which is all prefix matching needs
        System.arraycopy(text, 0, out, 1, text.length);
        return out;
    }

    /** Tokens of a text, as the model's tokenizer splits it. */
    public int countTokens(String text) {
        ensureOpen();
        return model.encode(text).length;
    }

    /** The model file's name. */
    @Override
    public String modelName() {
        return gguf.path().getFileName().toString();
    }

    /**
     * The {@code n} replies of a request are generated in the parallel slots (one after another with one slot), seeds
     * {@code seed, seed + 1, ...}; JSON object mode is enforced by a
     * grammar ({@code dro4j/json-object.gbnf}); JSON schema mode is not offered (the binding's schema-to-grammar
     * conversion ends the JVM on a schema it cannot convert); raw prompts are taken; evaluated prompt tokens are
     * reported where requests can be pinned to slots; one system and one user message.
     */
    @Override
    public ModelCapabilities capabilities() {
        return ModelCapabilities.of(Capability.JSON_OBJECT, Capability.SEED, Capability.RAW_PROMPT)
                .with(Capability.EVALUATED_TOKENS, scheduler != null);
    }

    @Override
    protected ChatModelResponse doChat(ChatModelRequest request) {
        if (request.n() > 1 && plan.parallelSlots() > 1) {
            return doChatAll(List.of(request), false).get(0); // the replies in the parallel slots
        }
        List<Generation> gs = new ArrayList<>();
        for (int i = 0; i < request.n(); i++) {
            gs.add(drain(start(prepare(request, i))));
        }
        return ChatModelResponse.of(gs);
    }

    @Override
    protected TokenStream doStream(ChatModelRequest request) {
        return start(prepare(request, 0));
    }

    /**
     * Generates every reply of every request in the parallel slots. With {@code sharePrefixes}, in an order that
     * reuses prompt prefixes: the prompts are sorted by their tokens, so that prompts sharing a prefix are neighbours,
     * and cut into one run of neighbours per parallel slot, each cut where neighbours share least. Each run is
     * generated in order on one slot; a slot that finishes early takes requests from the far end of the longest run
     * left. Results in request order.
     */
    @Override
    protected List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        List<Prepared> prepared = new ArrayList<>();
        for (ChatModelRequest r : requests) {
            for (int i = 0; i < r.n(); i++) {
                prepared.add(prepare(r, i)); // every prompt is checked before any generation starts
            }
        }
        List<Generation> gs = sharePrefixes ? runSharingPrefixes(prepared) : runInOrder(prepared);
        List<ChatModelResponse> out = new ArrayList<>(requests.size());
        int k = 0;
        for (ChatModelRequest r : requests) {
            out.add(ChatModelResponse.of(gs.subList(k, k + r.n())));
            k += r.n();
        }
        return out;
    }

    private String grammar(ResponseFormat format) {
        return switch (format.type()) {
            case TEXT -> null;
            case JSON_OBJECT -> JSON_OBJECT_GRAMMAR;
            // The binding's jsonSchemaToGrammar ends the JVM (an uncaught C++ exception) on a schema it cannot
            // convert, so JSON schema mode is declared unsupported (capabilities) and never reaches this point.
            case JSON_SCHEMA -> throw new InvalidRequestException("JSON schema mode is not available on "
                    + modelName());
        };
    }

    private static String readGrammar() {
        try (InputStream in = LlamaCppBackend.class.getResourceAsStream("/dro4j/json-object.gbnf")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read dro4j's own resource /dro4j/json-object.gbnf: " + e, e);
        }
    }

    private List<Generation> runInOrder(List<Prepared> prepared) {
        List<Deque<Integer>> queue = new ArrayList<>();
        queue.add(new ArrayDeque<>());
        for (int i = 0; i < prepared.size(); i++) {
            queue.get(0).add(i);
        }
        return run(prepared, queue, Math.min(prepared.size(), plan.parallelSlots()));
    }

    private List<Generation> runSharingPrefixes(List<Prepared> prepared) {
        int n = prepared.size();
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        order.sort((a, b) -> Arrays.compare(prepared.get(a).tokens(), prepared.get(b).tokens())); // stable
        int runs = Math.max(1, Math.min(n, plan.parallelSlots()));
        List<Deque<Integer>> queue = new ArrayList<>();
        int from = 0;
        for (int r = 1; r <= runs; r++) {
            int to = r == runs ? n : cut(prepared, order, n * r / runs, Math.max(1, n / (4 * runs)), from);
            queue.add(new ArrayDeque<>(order.subList(from, to)));
            from = to;
        }
        return run(prepared, queue, runs);
    }

    /** A cut near {@code ideal} (within {@code window}, after {@code min}) where neighbours share the fewest tokens. */
    private static int cut(List<Prepared> prepared, List<Integer> order, int ideal, int window, int min) {
        int best = Math.max(ideal, min + 1);
        int bestCommon = Integer.MAX_VALUE;
        for (int c = Math.max(min + 1, ideal - window); c <= Math.min(order.size() - 1, ideal + window); c++) {
            int common = SlotScheduler.commonPrefix(prepared.get(order.get(c - 1)).tokens(),
                    prepared.get(order.get(c)).tokens());
            if (common < bestCommon || common == bestCommon && Math.abs(c - ideal) < Math.abs(best - ideal)) {
                best = c;
                bestCommon = common;
            }
        }
        return Math.min(best, order.size());
    }

    /**
     * Generates the requests in {@code runs} with {@code threads} workers: worker i takes from the front of run i
     * (of run 0 when there is one run), then from the back of the longest run left.
     */
    private List<Generation> run(List<Prepared> prepared, List<Deque<Integer>> runs, int threads) {
        Generation[] out = new Generation[prepared.size()];
        if (prepared.isEmpty()) {
            return List.of();
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "dro4j-llama-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int w = 0; w < Math.max(1, threads); w++) {
                int own = runs.size() == 1 ? 0 : w;
                futures.add(pool.submit(() -> {
                    try {
                        for (Integer i = take(runs, own); i != null; i = take(runs, own)) {
                            out[i] = drain(start(prepared.get(i)));
                        }
                    } catch (RuntimeException e) {
                        synchronized (runs) {
                            runs.forEach(Deque::clear); // the other workers stop after their current request
                        }
                        throw e;
                    }
                    return null;
                }));
            }
            for (Future<Void> f : futures) {
                f.get();
            }
            return Arrays.asList(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GenerationException("Interrupted while generating", e, true);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new GenerationException("Generation failed: " + e.getCause(), e.getCause(), false);
        } finally {
            synchronized (runs) {
                runs.forEach(Deque::clear);
            }
            pool.shutdownNow();
        }
    }

    private static Integer take(List<Deque<Integer>> runs, int own) {
        synchronized (runs) {
            Integer next = runs.get(own).pollFirst();
            if (next != null) {
                return next;
            }
            Deque<Integer> longest = null;
            for (Deque<Integer> r : runs) {
                if (!r.isEmpty() && (longest == null || r.size() > longest.size())) {
                    longest = r;
                }
            }
            return longest == null ? null : longest.pollLast();
        }
    }

    private static Generation drain(TokenStream s) {
        try (s) {
            while (s.hasNext()) {
                s.next();
            }
            return s.result();
        }
    }

    /**
     * Cancels this backend's generations in progress and gives the model back (see "Sharing and closing" above). Waits
     * at most {@link #CLOSE_WAIT} for each of the two waits: a stream being read on another thread ends at its next
     * token, a stream that no thread reads ends at once. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        boolean ended = false;
        try {
            List<LlamaTokenStream> open;
            synchronized (streams) {
                open = new ArrayList<>(streams);
            }
            open.forEach(LlamaTokenStream::cancel);
            ended = awaitStreamsEnded(System.nanoTime() + CLOSE_WAIT.toNanos());
            if (!ended) {
                log.warn("Closing {}: {} cancelled generation(s) did not end within {}; their slots stay busy until"
                        + " they do", modelName(), openStreams(), CLOSE_WAIT);
            }
        } finally {
            boolean last = SharedModels.release(shared);
            // Another backend may take the model over meanwhile: the wait then also waits for a free slot, bounded.
            if (last && ended && !shared.awaitTaskLoop(System.nanoTime() + CLOSE_WAIT.toNanos())) {
                log.debug("Closing {}: did not wait for llama.cpp's task loop to be idle", modelName());
            }
        }
    }

    private boolean awaitStreamsEnded(long deadlineNanos) {
        synchronized (streams) {
            while (!streams.isEmpty()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    streams.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** This backend's streams that have not given their slot back yet. */
    int openStreams() {
        synchronized (streams) {
            return streams.size();
        }
    }

    private record Prepared(InferenceParameters parameters, int[] tokens, int maxTokens, List<String> stop) {
        int promptTokens() {
            return tokens.length;
        }
    }

    /** Reply {@code index} of a request: its seed is the request's plus {@code index}. */
    private Prepared prepare(ChatModelRequest request, int index) {
        ensureOpen();
        String prompt = renderPrompt(request);
        int[] tokens = promptTokens(prompt);
        int promptTokens = tokens.length;
        int ctx = plan.contextPerSlot();
        if (promptTokens >= ctx) {
            throw new ContextOverflowException(promptTokens, ctx,
                    "shorten the query or the system prompt, use fewer ICL examples, or raise maxModelLen");
        }
        int maxTokens = Math.min(request.maxNewTokens(), ctx - promptTokens);
        if (maxTokens < request.maxNewTokens()) {
            log.debug("maxNewTokens {} capped at {}: the prompt takes {} of {} context tokens",
                    request.maxNewTokens(), maxTokens, promptTokens, ctx);
        }
        InferenceParameters p = new InferenceParameters(prompt)
                .setTemperature((float) request.temperature())
                .setTopP((float) request.topP())
                .setNPredict(maxTokens)
                .setCachePrompt(true);
        // Stop strings are applied here, not by llama.cpp, so that a generation llama.cpp ends is known to have ended
        // by its token limit or an end-of-generation token (see LlamaTokenStream).
        if (request.seed() != null) {
            p.setSeed((int) ((request.seed() + index) & 0x7fffffffL));
        }
        String grammar = grammar(request.responseFormat());
        if (grammar != null) {
            p.setGrammar(grammar);
        }
        return new Prepared(p, tokens, maxTokens, request.stop());
    }

    private TokenStream start(Prepared p) {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        SlotScheduler.Lease lease = null;
        if (scheduler != null) {
            try {
                lease = scheduler.acquire(p.tokens(), deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GenerationException("Interrupted while waiting for a free slot", e, true);
            }
            if (lease == null) {
                throw new GenerationException("The local generation timed out after " + timeout + " waiting for one"
                        + " of the " + scheduler.slotCount() + " slot(s) to be free (parallelSlots)", null, true);
            }
            SlotPin.pin(p.parameters(), lease.slot());
        }
        LlamaIterator it;
        try {
            it = (LlamaIterator) model.generate(p.parameters()).iterator();
        } catch (RuntimeException e) {
            if (lease != null) {
                scheduler.releaseUnused(lease);
            }
            throw new GenerationException("llama.cpp refused the request: " + e.getMessage(), e, false);
        }
        LlamaTokenStream s = new LlamaTokenStream(it, p.tokens(), p.maxTokens(), p.stop(), deadline, lease);
        synchronized (streams) {
            streams.add(s);
        }
        if (closed.get()) { // closed while this request started: close() may not have seen it
            s.close();
            ensureOpen();
        }
        return s;
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new InvalidRequestException("This model has been closed");
        }
    }

    private Skeleton renderSkeleton() {
        String rendered = applyTemplate(SYSTEM_SENTINEL, USER_SENTINEL);
        String template = gguf.chatTemplate().orElse("");
        if (rendered.contains("<|im_start|>") && !template.contains("<|im_start|>")) {
            log.warn("llama.cpp cannot render the chat template of {}; it uses ChatML instead",
                    gguf.path().getFileName());
        }
        boolean trims = !applyTemplate("\n" + SYSTEM_SENTINEL + "\n", USER_SENTINEL).contains("\n" + SYSTEM_SENTINEL + "\n");
        int s = rendered.indexOf(SYSTEM_SENTINEL);
        int u = rendered.indexOf(USER_SENTINEL);
        if (u < 0 || rendered.indexOf(USER_SENTINEL, u + 1) >= 0 || rendered.indexOf(SYSTEM_SENTINEL, s + 1) >= 0) {
            throw new ModelLoadException("The chat template of " + gguf.path() + " does not render a user message"
                    + " exactly once: " + rendered);
        }
        if (s < 0) {
            log.warn("The chat template of {} drops system messages; the system prompt is put at the start of the"
                    + " user turn", gguf.path().getFileName());
            return new Skeleton(rendered.substring(0, u), "", rendered.substring(u + USER_SENTINEL.length()),
                    trims, true);
        }
        if (s > u) {
            throw new ModelLoadException("The chat template of " + gguf.path() + " puts the system message after"
                    + " the user message: " + rendered);
        }
        return new Skeleton(rendered.substring(0, s), rendered.substring(s + SYSTEM_SENTINEL.length(), u),
                rendered.substring(u + USER_SENTINEL.length()), trims, false);
    }

    private String applyTemplate(String system, String user) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", system);
        messages.addObject().put("role", "user").put("content", user);
        try {
            return model.applyTemplate(body.toString());
        } catch (RuntimeException e) {
            throw new ModelLoadException("Cannot apply the chat template of " + gguf.path() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Pieces of one llama.cpp generation; cancellation and the timeout are checked between tokens. The slot is given
     * back once the stream ends.
     *
     * <h2>Counting tokens</h2>
     * The binding streams one output per sampled token (its text may be empty: an end-of-generation token, a control
     * token), then a last output that ends the stream and is no token. The exception: while the text generated so far
     * ends in an incomplete UTF-8 character, llama.cpp holds the tokens back and later sends their bytes with the token
     * that completes the character, or never when the generation ends first. So:
     * <ul>
     *   <li>Stop strings are matched here, on the text, not by llama.cpp: a generation that llama.cpp ends itself ended
     *   either with an end-of-generation token (a last output with empty text) or at its token limit.</li>
     *   <li>A generation that ended at the limit generated exactly {@code maxTokens} tokens, whatever they decode to,
     *   and ends with {@link FinishReason#LENGTH}.</li>
     *   <li>Otherwise each output is one token; an output carrying text outside ASCII may also carry held-back tokens
     *   of an incomplete character, counted by the model's tokenizer on that text (exact for byte tokens).</li>
     * </ul>
     */
    private final class LlamaTokenStream extends PieceStream {
        private final LlamaIterator it;
        private final int[] prompt;
        private final int maxTokens;
        private final List<String> stops;
        private final long deadline;
        private final SlotScheduler.Lease lease;
        private final AtomicBoolean released = new AtomicBoolean();
        private final StringBuilder unsent = new StringBuilder();
        private volatile boolean answered;
        private volatile int tokens;
        private boolean lastEmpty;
        private boolean stopMatched;
        private boolean limitReached;

        LlamaTokenStream(LlamaIterator it, int[] prompt, int maxTokens, List<String> stops, long deadline,
                         SlotScheduler.Lease lease) {
            this.it = it;
            this.prompt = prompt;
            this.maxTokens = maxTokens;
            this.stops = stops;
            this.deadline = deadline;
            this.lease = lease;
        }

        @Override
        protected String nextPiece() {
            while (!stopMatched && it.hasNext()) {
                if (System.nanoTime() > deadline) {
                    throw new GenerationException("The local generation timed out after " + timeout + " ("
                            + text().length() + " characters generated)", null, true);
                }
                LlamaOutput out;
                try {
                    out = it.next();
                } catch (RuntimeException e) {
                    // Every prompt was checked to fit its slot, so a full KV cache means the slots' shared cache
                    // was fragmented: a later try can succeed.
                    boolean kvFull = String.valueOf(e.getMessage()).contains("KV size");
                    throw new GenerationException("llama.cpp failed while generating: " + e.getMessage(), e, kvFull);
                }
                answered = true; // an answer token implies the whole prompt was processed
                if (!it.hasNext()) {
                    break; // the output that ends the stream is no token
                }
                tokens += tokensIn(out.text);
                lastEmpty = out.text.isEmpty();
                if (!out.text.isEmpty()) {
                    unsent.append(out.text);
                    String piece = sendable();
                    if (stopMatched) {
                        it.cancel();
                    }
                    if (!piece.isEmpty()) {
                        return piece;
                    }
                }
                if (cancelRequested()) {
                    return null;
                }
            }
            if (!stopMatched && !cancelRequested() && (tokens >= maxTokens || !lastEmpty)) {
                limitReached = true;
            }
            if (!stopMatched && unsent.length() > 0) {
                String rest = unsent.toString();
                unsent.setLength(0);
                return rest;
            }
            return null;
        }

        /** Tokens one output carries: one, plus those held back for an incomplete character (see above). */
        private int tokensIn(String text) {
            for (int i = 0; i < text.length(); i++) {
                if (text.charAt(i) >= 0x80) {
                    return Math.max(1, model.encode(text).length);
                }
            }
            return 1;
        }

        /**
         * The unsent text that can be sent: up to the first stop string (then the generation is over), else all but
         * its longest end that may begin a stop string.
         */
        private String sendable() {
            String u = unsent.toString();
            int at = -1;
            for (String s : stops) {
                int i = u.indexOf(s);
                if (i >= 0 && (at < 0 || i < at)) {
                    at = i;
                }
            }
            if (at >= 0) {
                stopMatched = true;
                unsent.setLength(0);
                return u.substring(0, at);
            }
            int keep = 0;
            for (String s : stops) {
                for (int k = Math.min(s.length() - 1, u.length()); k > keep; k--) {
                    if (u.regionMatches(u.length() - k, s, 0, k)) {
                        keep = k;
                        break;
                    }
                }
            }
            unsent.delete(0, u.length() - keep);
            return u.substring(0, u.length() - keep);
        }

        @Override
        protected FinishReason naturalEnd() {
            if (cancelRequested()) {
                // cancelled by another thread while this one read an output that gave no piece: llama.cpp still runs
                // the task (and queues its results for no one) unless it is cancelled here
                stop();
                return FinishReason.CANCELLED;
            }
            releaseSlot(true);
            return limitReached ? FinishReason.LENGTH : FinishReason.STOP;
        }

        @Override
        protected void stop() {
            it.cancel();
            releaseSlot(answered);
        }

        /** Gives the slot back; {@code promptProcessed}: llama.cpp read the whole prompt. */
        private void releaseSlot(boolean promptProcessed) {
            if (released.compareAndSet(false, true)) {
                if (lease != null) {
                    scheduler.release(lease, prompt, promptProcessed);
                }
                synchronized (streams) {
                    streams.remove(this);
                    streams.notifyAll();
                }
            }
        }

        @Override
        protected Usage usage(String text) {
            int generated = limitReached ? maxTokens : Math.min(tokens, maxTokens);
            return new Usage(prompt.length, generated, lease == null ? -1 : lease.evaluated());
        }
    }
}
