package dro.backend.internal;

import dro.backend.ChatModel;
import dro.backend.ForwardingChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import static dro.internal.Validation.ensureNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.DroException;
import dro.FileAccessException;
import dro.GenerationException;
import dro.InvalidRequestException;
import dro.internal.AtomicFiles;
import dro.internal.Digests;
import dro.internal.Json;
import dro.internal.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the new calls of a run as batch jobs ({@link BatchApi}, e.g. OpenAI's Batch API at half the price), phase by
 * phase, without changing the run's logic: batching is a prefill of the run's recorded calls.
 *
 * <h2>How</h2>
 * {@link #wrap} puts a batching decorator over each API model of the run, under the run's recording (so calls
 * recorded before never reach it). {@link #run} then runs the work in rounds:
 * <ol>
 *   <li>The work runs. A call that a batch has answered gets that answer (and is recorded by the run as any call);
 *   a new call is collected and deferred: it fails with an internal deferral, which ends that piece of work
 *   while the pieces beside it run to their own first new call.</li>
 *   <li>The collected calls go out as one batch per model; its id is written to the ledger file at once. The batch is
 *   polled (every {@code pollInterval}, with progress) until it ends, and its answers are matched by
 *   {@code custom_id}.</li>
 *   <li>The work runs again; what it asks next (the next phase, re-asks for unreadable replies) is the next batch.
 *   It ends when a round defers nothing.</li>
 * </ol>
 *
 * <h2>Failures and resume</h2>
 * A line that failed, or that a batch left unanswered (an expired or cancelled batch; its partial output is used),
 * goes into the next batch; a request that two batches did not answer, or that a batch answered once already and
 * that is asked again (a second re-ask of the same prompt), is sent directly through the wrapped model. The ledger
 * ({@code batches.json} in the run directory) lists every batch with its status; a run started again polls the
 * batches whose answers it has not used yet instead of submitting new ones, and a finished run submits nothing.
 *
 * <p>Not thread-safe: one {@link #run} at a time; the wrapped models are thread-safe.
 */
public final class Batches {

    private static final Logger log = LoggerFactory.getLogger(Batches.class);

    /** The most lines in one batch (OpenAI's limit). */
    public static final int MAX_LINES = 50_000;

    /** Told about the batches of a run, on the thread of {@link #run}. */
    public interface Listener {
        Listener NONE = status -> { };

        /** A batch's status, when it is first polled and whenever it changes. */
        void onStatus(BatchApi.Status status);

        /** A batch was created with {@code requests} requests for {@code model}. */
        default void onSubmitted(String batchId, String model, int requests) { }
    }

    /** One batch of the ledger. */
    private static final class Entry {
        final String id;
        final String model;
        final int requests;
        String state;
        boolean used;
        boolean loaded;
        /** The content keys of its lines, when submitted by this process (null for a batch of an earlier run). */
        Set<String> keys;

        Entry(String id, String model, int requests, String state, boolean used) {
            this.id = id;
            this.model = model;
            this.requests = requests;
            this.state = state;
            this.used = used;
        }
    }

    private final Path ledger;
    private final Duration pollInterval;
    private final Listener listener;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Batched> models = new LinkedHashMap<>();

    /**
     * @param ledger       the file batch ids are recorded in (read when it exists: a run started again)
     * @param pollInterval the wait between two polls of a running batch
     * @param listener     told each batch's status as it is polled (when it changed)
     */
    public Batches(Path ledger, Duration pollInterval, Listener listener) {
        this.ledger = ensureNotNull(ledger, "ledger");
        this.pollInterval = ensureNotNull(pollInterval, "pollInterval");
        if (pollInterval.isNegative()) {
            throw new InvalidRequestException("pollInterval must not be negative, but was " + pollInterval);
        }
        this.listener = ensureNotNull(listener, "listener");
        readLedger();
    }

    /**
     * {@code model} with its new calls sent through {@code api}'s batches while {@link #run} runs. Models are told
     * apart by {@link ChatModel#modelName()}; wrapping the same name twice gives the same decorator.
     */
    public synchronized ChatModel wrap(ChatModel model, BatchApi api) {
        ensureNotNull(model, "model");
        ensureNotNull(api, "api");
        return models.computeIfAbsent(api.modelName(), n -> new Batched(model, api));
    }

    /**
     * The batches that wrapped any of {@code models} (under any decorators), or null when none did: a run whose
     * models {@link #wrap} returned sends its new calls as batch jobs ({@code Evaluator}, {@code IclOptimizer}), so
     * no public signature names this class. Null models are skipped.
     *
     * @throws InvalidRequestException if the models were wrapped by two different batches
     */
    public static Batches of(ChatModel... models) {
        Batches found = null;
        for (ChatModel m : models) {
            for (ChatModel at = m; at instanceof ForwardingChatModel f; at = f.delegate()) {
                if (at instanceof Batches.Batched b) {
                    if (found != null && found != b.owner()) {
                        throw new InvalidRequestException("The models of one run are wrapped by two different"
                                + " batches; wrap them all with one");
                    }
                    found = b.owner();
                }
            }
        }
        return found;
    }

    /** The ids of every batch of this run so far, in submission order (earlier runs' included). */
    public synchronized List<String> batchIds() {
        return entries.stream().map(e -> e.id).toList();
    }

    /**
     * Runs {@code work} in rounds until it completes without deferring a call (see the class description) and returns
     * its result. {@code work} must be repeatable: every round runs it from the start, its earlier calls answered
     * from the run's records.
     */
    public <T> T run(Supplier<T> work) {
        for (int round = 1; ; round++) {
            collect();
            try {
                T result = work.get();
                markUsed(true);
                return result;
            } catch (Parallel.Deferral d) {
                markUsed(false);
                int submitted = submit(round);
                if (submitted == 0) {
                    throw new IllegalStateException("A call was deferred but none was collected", d);
                }
            } catch (RuntimeException e) {
                models.values().forEach(Batched::clearPending);
                throw e;
            }
        }
    }

    // ---- rounds ----

    /** Polls every batch not used yet until it ends, and hands its answers to its model. */
    private void collect() {
        for (Entry e : new ArrayList<>(entries)) {
            if (e.used || e.loaded) {
                continue;
            }
            Batched m = models.get(e.model);
            if (m == null) {
                log.warn("Batch {} is for model {}, which this run does not batch; ignored", e.id, e.model);
                continue;
            }
            BatchApi.Status s = await(m.api, e);
            Map<String, BatchApi.Outcome> outcomes = m.api.outcomes(e.id);
            int answered = 0;
            int failed = 0;
            for (Map.Entry<String, BatchApi.Outcome> o : outcomes.entrySet()) {
                String key = contentKey(o.getKey());
                if (o.getValue().succeeded()) {
                    m.answer(key, e.id, o.getValue().response());
                    answered++;
                } else {
                    m.unanswered(key);
                    failed++;
                    log.debug("Batch {} line {} failed: {}", e.id, o.getKey(), o.getValue().error());
                }
            }
            if (e.keys != null) {
                Set<String> seen = new java.util.HashSet<>();
                outcomes.keySet().forEach(id -> seen.add(contentKey(id)));
                e.keys.stream().filter(k -> !seen.contains(k)).forEach(m::unanswered);
            }
            int missing = Math.max(0, e.requests - answered - failed);
            if (s.state().equals("failed")) {
                log.warn("Batch {} ({}) failed as a whole; its {} requests go into the next batch, and directly if"
                        + " that fails too", e.id, e.model, e.requests);
            }
            if (failed > 0 || missing > 0) {
                log.info("Batch {} ({}) ended {}: {} answered, {} failed, {} missing; the failed and missing go"
                        + " into the next batch", e.id, e.model, s.state(), answered, failed, missing);
            }
            e.loaded = true;
            if (answered == 0) {
                e.used = true;
            }
            writeLedger();
        }
    }

    private BatchApi.Status await(BatchApi api, Entry e) {
        BatchApi.Status last = null;
        while (true) {
            BatchApi.Status s = api.status(e.id);
            if (!s.equals(last)) {
                listener.onStatus(s);
                log.debug("batch {}: {}", e.id, s);
                last = s;
            }
            if (!s.state().equals(e.state)) {
                e.state = s.state();
                writeLedger();
            }
            if (s.terminal()) {
                return s;
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new GenerationException("Interrupted while waiting for batch " + e.id, ie, true);
            }
        }
    }

    /** Marks the loaded batches whose answers were all used (all loaded ones at the end of the work). */
    private void markUsed(boolean all) {
        boolean changed = false;
        for (Entry e : entries) {
            if (e.loaded && !e.used) {
                Batched m = models.get(e.model);
                if (all || m == null || !m.holdsAnswersOf(e.id)) {
                    e.used = true;
                    changed = true;
                }
            }
        }
        if (changed) {
            writeLedger();
        }
    }

    /** Submits each model's collected calls; returns how many. */
    private int submit(int round) {
        int total = 0;
        for (Batched m : models.values()) {
            List<BatchApi.Line> lines = m.takePending();
            for (int from = 0; from < lines.size(); from += MAX_LINES) {
                List<BatchApi.Line> part = lines.subList(from, Math.min(lines.size(), from + MAX_LINES));
                String id = m.api.submit(part);
                Entry e = new Entry(id, m.api.modelName(), part.size(), "submitted", false);
                e.keys = new java.util.HashSet<>();
                part.forEach(l -> e.keys.add(contentKey(l.customId())));
                synchronized (this) {
                    entries.add(e);
                }
                writeLedger();
                log.info("Round {}: batch {} submitted with {} requests for {}", round, id, part.size(),
                        m.api.modelName());
                listener.onSubmitted(id, m.api.modelName(), part.size());
                total += part.size();
            }
        }
        return total;
    }

    // ---- the ledger ----

    private void readLedger() {
        if (!Files.isRegularFile(ledger)) {
            return;
        }
        try {
            JsonNode root = Json.MAPPER.readTree(ledger.toFile());
            for (JsonNode b : root.path("batches")) {
                entries.add(new Entry(b.get("id").asText(), b.get("model").asText(), b.path("requests").asInt(),
                        b.path("status").asText(""), b.path("used").asBoolean(false)));
            }
        } catch (IOException | RuntimeException e) {
            throw new DroException("Cannot read the batch ledger " + ledger + " (" + e.getMessage() + "); move it"
                    + " away to submit new batches", e);
        }
    }

    private synchronized void writeLedger() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode arr = root.putArray("batches");
        for (Entry e : entries) {
            arr.addObject().put("id", e.id).put("model", e.model).put("requests", e.requests).put("status", e.state)
                    .put("used", e.used);
        }
        root.put("updated", Instant.now().toString());
        try {
            AtomicFiles.write(ledger, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        } catch (IOException e) {
            throw new FileAccessException("Cannot write the batch ledger " + ledger + ": " + e.getMessage(), ledger, e);
        }
    }

    // ---- keys ----

    /** A request's content key: equal requests to one model are one key. */
    static String contentKey(String modelName, ChatModelRequest request) {
        return Digests.sha256Hex(modelName + "\n" + Json.compact(request)).substring(0, 40);
    }

    /** The content key of a custom id {@code <key>-<n>}. */
    static String contentKey(String customId) {
        int dash = customId.lastIndexOf('-');
        return dash < 0 ? customId : customId.substring(0, dash);
    }

    /** The batching decorator of one model. */
    private final class Batched extends ForwardingChatModel {
        private record Answer(String batchId, ChatModelResponse response) { }

        final BatchApi api;
        private final Map<String, Deque<Answer>> answers = new ConcurrentHashMap<>();
        private final Map<String, Integer> unanswered = new ConcurrentHashMap<>();
        private final Set<String> answeredBefore = ConcurrentHashMap.newKeySet();
        private final Map<String, ChatModelRequest> pending = new LinkedHashMap<>();

        Batched(ChatModel delegate, BatchApi api) {
            super(delegate);
            this.api = api;
        }

        Batches owner() {
            return Batches.this;
        }

        @Override
        protected ChatModelResponse doChat(ChatModelRequest request) {
            String key = contentKey(api.modelName(), request);
            Deque<Answer> q = answers.get(key);
            Answer a = null;
            if (q != null) {
                synchronized (q) {
                    a = q.pollFirst();
                }
            }
            if (a != null) {
                answeredBefore.add(key);
                return a.response();
            }
            if (answeredBefore.contains(key) || unanswered.getOrDefault(key, 0) >= 2) {
                return super.doChat(request); // directly
            }
            synchronized (pending) {
                pending.putIfAbsent(key, request);
            }
            throw new Parallel.Deferral("deferred to a batch");
        }

        @Override
        protected List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
            return Parallel.map(requests.size(), i -> doChat(requests.get(i)), null);
        }

        void answer(String key, String batchId, ChatModelResponse response) {
            Deque<Answer> q = answers.computeIfAbsent(key, k -> new ArrayDeque<>());
            synchronized (q) {
                q.addLast(new Answer(batchId, response));
            }
        }

        /** A batch did not answer the request (its line failed, or the batch ended without it). */
        void unanswered(String key) {
            unanswered.merge(key, 1, Integer::sum);
        }

        boolean holdsAnswersOf(String batchId) {
            for (Deque<Answer> q : answers.values()) {
                synchronized (q) {
                    if (q.stream().anyMatch(a -> a.batchId().equals(batchId))) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** The collected calls as batch lines, one per distinct request, custom id {@code <key>-0}; clears them. */
        List<BatchApi.Line> takePending() {
            List<BatchApi.Line> lines = new ArrayList<>();
            synchronized (pending) {
                pending.forEach((key, request) -> lines.add(new BatchApi.Line(key + "-0", request)));
                pending.clear();
            }
            return lines;
        }

        void clearPending() {
            synchronized (pending) {
                pending.clear();
            }
        }
    }
}
