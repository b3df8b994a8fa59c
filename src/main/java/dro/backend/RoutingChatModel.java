package dro.backend;

import static dro.internal.Validation.ensureBetween;
import static dro.internal.Validation.ensureNotBlank;
import static dro.internal.Validation.ensureNotNull;

import dro.DroException;
import dro.GenerationException;
import dro.InvalidRequestException;
import dro.TokenStream;
import dro.Usage;
import dro.internal.Parallel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link ChatModel} over several endpoints that serve the same model (several vLLM or llama.cpp servers, hosted
 * endpoints): each attempt goes to one of them, and under a {@link RetryingChatModel} an attempt that failed on one
 * is retried on another.
 *
 * <h2>Routing</h2>
 * A request goes to the endpoint that is awake (not resting, see below) and has the fewest requests in flight
 * relative to its {@code maxConcurrency} ({@code inFlight / maxConcurrency}, lowest first). Among endpoints equally
 * loaded, the one that has been given the fewest requests relative to its {@code weight} wins ({@code given /
 * weight}), so weights split the traffic when capacity is plentiful; then the first in the list. An endpoint is never
 * sent more than its {@code maxConcurrency} requests at once: when every awake endpoint is full, the request waits for
 * a free place.
 *
 * <h2>One attempt per call</h2>
 * The router sends each call to one endpoint and retries nothing: it chooses where an attempt goes, and
 * {@link RetryingChatModel} over it decides whether there is another attempt. Since a failed endpoint rests, a retried
 * attempt goes to another endpoint when one is awake. Give the router endpoint models that make one attempt each (the
 * OpenAI client does), so that a request is tried exactly as often as the retry decorator's {@link RetryPolicy} says.
 *
 * <h2>Failures</h2>
 * <ul>
 *   <li>A failure that a retry may cure ({@link DroException#isRetriable()}: refused or broken connection, 5xx, 429,
 *   timeout, an unreadable answer) <em>rests</em> the endpoint: it gets no request for {@code initialRest × 2^(f-1)}
 *   (at most {@code maxRest}), {@code f} being its consecutive failures, or for exactly what it asked
 *   ({@code Retry-After}, at most {@code maxRest}); the failure is thrown as it is, for the retry decorator to
 *   retry. The next attempt goes to the best endpoint awake; when all are resting it waits for the first to wake (so
 *   at most {@code maxRest}). A success ends the endpoint's run of failures.</li>
 *   <li>Any other failure (400, 401, 403, 404: the request or the setup is wrong) is thrown at once, and the endpoint
 *   is not rested.</li>
 *   <li>An endpoint is <em>down</em> when its last {@code failuresToDown} attempts (of any request, through any router
 *   sharing its {@link Pool}) all failed retriably. It keeps being tried after each rest, and comes back with its
 *   first success. When a failed attempt leaves every endpoint down, that attempt fails with
 *   {@link AllEndpointsDownException} instead of its own failure: it names every endpoint with its last error and is
 *   not retriable, so that the retry decorator stops there instead of spending its remaining attempts on endpoints
 *   that have each just failed {@code failuresToDown} times running (a circuit breaker for the whole set). A run
 *   stopped by it can be resumed once the endpoints are back.</li>
 * </ul>
 *
 * <h2>Streams and batches</h2>
 * A stream is routed like a blocking call while it is opened (under the retry decorator, a failure to open it is
 * retried elsewhere) and holds its place on the endpoint until it ends or is closed. {@link #chatAll} sends as many
 * requests at once as all endpoints take together, each routed as above; its first failure fails the batch (under
 * the retry decorator, each request of a batch is routed and retried on its own).
 *
 * <h2>Statistics</h2>
 * Per endpoint: calls answered, tokens, failed attempts and mean latency ({@link EndpointStats}). They live in a
 * {@link Pool} with the endpoints' load and rests, which the routers of a run share (one per API role), so that an
 * endpoint gets at most its {@code maxConcurrency} requests from all of them together and is rested for all of them;
 * {@link #endpointStats} finds the figures under any decorators.
 *
 * <p>Results do not depend on routing: every endpoint serves the same model, and a run records calls by their
 * content, not by the endpoint that answered. Thread-safe. {@link #close()} closes every endpoint's model.
 */
public final class RoutingChatModel extends ChatModel {

    private static final Logger log = LoggerFactory.getLogger(RoutingChatModel.class);

    /**
     * Every endpoint of a router is down: an attempt failed, and with it each endpoint has failed its last
     * {@code failuresToDown} attempts running. The message names every endpoint with its last error. Not retriable:
     * the retry decorator stops at it rather than try endpoints that all just failed (the endpoints may come back
     * later, and a run stopped by it can be resumed).
     */
    public static final class AllEndpointsDownException extends DroException {
        private final Map<String, DroException> lastErrors;

        AllEndpointsDownException(String model, Map<String, DroException> lastErrors, int failuresToDown) {
            super(message(model, lastErrors, failuresToDown), lastErrors.values().iterator().next());
            this.lastErrors = Collections.unmodifiableMap(new LinkedHashMap<>(lastErrors));
        }

        private static String message(String model, Map<String, DroException> errors, int failuresToDown) {
            StringBuilder b = new StringBuilder("Every endpoint of ").append(model).append(" is down (each failed its")
                    .append(" last ").append(failuresToDown).append(failuresToDown == 1 ? " attempt" : " attempts")
                    .append("):");
            errors.forEach((name, e) -> b.append(" ").append(name).append(": ").append(e.getMessage()).append(";"));
            b.setLength(b.length() - 1);
            return b.toString();
        }

        /** The last error of each endpoint, by endpoint name, in the router's order. */
        public Map<String, DroException> lastErrors() {
            return lastErrors;
        }

        @Override
        public boolean isRetriable() {
            return false;
        }
    }

    /**
     * The state of a set of endpoints, shared by any number of routers (one per run, whatever number of roles it
     * has): each endpoint's requests in flight, its rest and run of failures, and its figures. Routers sharing a pool
     * together send an endpoint at most its {@code maxConcurrency} requests at once, leave it together while it
     * rests, and sum their figures in one place; {@link #snapshot()} lists the endpoints in the order they were first
     * added. Thread-safe.
     */
    public static final class Pool {
        private final Map<String, Slot> slots = new LinkedHashMap<>();
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();

        /** Every endpoint's figures so far, in the order endpoints were first added. */
        public List<EndpointStats> snapshot() {
            lock.lock();
            try {
                return slots.values().stream().map(Slot::stats).toList();
            } finally {
                lock.unlock();
            }
        }

        /** The figures of one endpoint (all zero for an endpoint never added). */
        public EndpointStats of(String endpoint) {
            lock.lock();
            try {
                Slot s = slots.get(endpoint);
                return s == null ? new EndpointStats(endpoint, 0, 0, 0, 0, 0) : s.stats();
            } finally {
                lock.unlock();
            }
        }

        Slot slot(String name, int maxConcurrency, double weight) {
            lock.lock();
            try {
                Slot s = slots.computeIfAbsent(name, n -> new Slot(n, maxConcurrency, weight));
                if (s.maxConcurrency != maxConcurrency || s.weight != weight) {
                    throw new InvalidRequestException("The endpoint " + name + " is in this pool with max_concurrency "
                            + s.maxConcurrency + " and weight " + s.weight + ", not " + maxConcurrency + " and "
                            + weight);
                }
                return s;
            } finally {
                lock.unlock();
            }
        }
    }

    /** One endpoint's shared state; the mutable fields are guarded by its pool's lock. */
    static final class Slot {
        final String name;
        final int maxConcurrency;
        final double weight;
        final UsageTally usage = new UsageTally();
        final LongAdder errors = new LongAdder();
        final LongAdder nanos = new LongAdder();
        int inFlight;
        long given;
        int consecutiveFailures;
        long restUntil;
        boolean resting;
        DroException lastError;

        Slot(String name, int maxConcurrency, double weight) {
            this.name = name;
            this.maxConcurrency = maxConcurrency;
            this.weight = weight;
        }

        /** Counts an answered request; {@code u} null for a stream closed before it ended. */
        void answered(long elapsedNanos, Usage u) {
            nanos.add(elapsedNanos);
            usage.add(u);
        }

        EndpointStats stats() {
            UsageTally.Totals t = usage.totals();
            long c = t.calls();
            return new EndpointStats(name, c, t.promptTokens(), t.completionTokens(), errors.sum(),
                    c == 0 ? 0 : Math.round(nanos.sum() / 1e3 / c) / 1e3);
        }
    }

    /** One endpoint of this router: the shared state and this router's model on it. */
    private record Route(Slot slot, ChatModel model) { }

    private final List<Route> routes;
    private final String modelName;
    private final ModelCapabilities capabilities;
    private final Pool pool;
    private final int failuresToDown;
    private final Duration initialRest;
    private final Duration maxRest;
    private final int totalConcurrency;

    private RoutingChatModel(Builder b) {
        if (b.routes.isEmpty()) {
            throw new InvalidRequestException("A router needs at least one endpoint");
        }
        this.pool = ensureNotNull(b.pool, "pool");
        List<Route> rs = new ArrayList<>();
        for (Builder.Spec s : b.routes) {
            rs.add(new Route(pool.slot(s.name(), s.maxConcurrency(), s.weight()), s.model()));
        }
        this.routes = List.copyOf(rs);
        this.modelName = b.modelName != null ? b.modelName : routes.get(0).model().modelName();
        this.capabilities = common(routes);
        this.failuresToDown = ensureBetween(b.failuresToDown, 1, 100, "failuresToDown");
        this.initialRest = nonNegative(b.initialRest, "initialRest");
        this.maxRest = nonNegative(b.maxRest, "maxRest");
        if (maxRest.compareTo(initialRest) < 0) {
            throw new InvalidRequestException("maxRest " + maxRest + " must not be shorter than initialRest "
                    + initialRest);
        }
        this.totalConcurrency = routes.stream().mapToInt(r -> r.slot().maxConcurrency).sum();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The per-endpoint figures of every router found under {@code models} (through {@link ForwardingChatModel}
     * decorators), merged by endpoint name; empty when none of them routes. A pool shared by several routers is
     * counted once.
     */
    public static List<EndpointStats> endpointStats(ChatModel... models) {
        Set<Pool> found = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ChatModel m : models) {
            ChatModel at = m;
            while (at instanceof ForwardingChatModel f) {
                at = f.delegate();
            }
            if (at instanceof RoutingChatModel r) {
                found.add(r.pool);
            }
        }
        Map<String, EndpointStats> merged = new LinkedHashMap<>();
        for (Pool p : found) {
            for (EndpointStats e : p.snapshot()) {
                merged.merge(e.endpoint(), e, RoutingChatModel::sum);
            }
        }
        return List.copyOf(merged.values());
    }

    private static EndpointStats sum(EndpointStats a, EndpointStats b) {
        long calls = a.calls() + b.calls();
        double mean = calls == 0 ? 0 : (a.meanLatencyMillis() * a.calls() + b.meanLatencyMillis() * b.calls()) / calls;
        return new EndpointStats(a.endpoint(), calls, a.promptTokens() + b.promptTokens(),
                a.completionTokens() + b.completionTokens(), a.errors() + b.errors(), mean);
    }

    /** The pool whose endpoints this router sends to (shared with the other routers of a run). */
    public Pool pool() {
        return pool;
    }

    /** This router's endpoints' figures so far (of every router sharing its pool), in its order. */
    public List<EndpointStats> stats() {
        pool.lock.lock();
        try {
            return routes.stream().map(r -> r.slot().stats()).toList();
        } finally {
            pool.lock.unlock();
        }
    }

    /**
     * How long until an endpoint of this router is awake: zero when one is not resting, else the shortest rest left.
     * The retry decorator waits this long before a retry instead of the failed endpoint's own wait, which is its
     * rest.
     */
    Duration untilAwake() {
        pool.lock.lock();
        try {
            long now = System.nanoTime();
            long least = Long.MAX_VALUE;
            for (Route r : routes) {
                Slot s = r.slot();
                least = Math.min(least, s.resting ? Math.max(0, s.restUntil - now) : 0);
            }
            return Duration.ofNanos(least);
        } finally {
            pool.lock.unlock();
        }
    }

    /** Requests all endpoints take at once together. */
    public int totalConcurrency() {
        return totalConcurrency;
    }

    @Override
    public String modelName() {
        return modelName;
    }

    /** What every endpoint supports. */
    @Override
    public ModelCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public String renderPrompt(ChatModelRequest request) {
        return routes.get(0).model().renderPrompt(request);
    }

    /** One attempt, on the best endpoint awake. */
    @Override
    protected ChatModelResponse doChat(ChatModelRequest request) {
        Route r = acquire();
        long t0 = System.nanoTime();
        ChatModelResponse response;
        try {
            response = r.model().doChat(request);
        } catch (RuntimeException e) {
            throw failed(r, e);
        }
        r.slot().answered(System.nanoTime() - t0, response.usage());
        succeeded(r.slot());
        return response;
    }

    /** One attempt to open the stream, on the best endpoint awake. */
    @Override
    protected TokenStream doStream(ChatModelRequest request) {
        Route r = acquire();
        long t0 = System.nanoTime();
        TokenStream s;
        try {
            s = r.model().doStream(request);
        } catch (RuntimeException e) {
            throw failed(r, e);
        }
        Slot slot = r.slot();
        return new EndingStream(s, g -> {
            slot.answered(System.nanoTime() - t0, g == null ? null : g.usage());
            succeeded(slot);
        }, failure -> {
            slot.errors.increment();
            succeeded(slot);
        });
    }

    /** Answers every request, as many at once as the endpoints take together; in request order. */
    @Override
    protected List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        return Parallel.map(requests.size(), i -> doChat(requests.get(i)), totalConcurrency, "dro4j-route");
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Route r : routes) {
            try {
                r.model().close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "RoutingChatModel{" + modelName + " on " + routes.stream().map(r -> r.slot().name + " x"
                + r.slot().maxConcurrency).toList() + "}";
    }

    // ---- routing ----

    /** The endpoint for the next attempt, its place taken; waits while every endpoint is full or resting. */
    private Route acquire() {
        pool.lock.lock();
        try {
            while (true) {
                long now = System.nanoTime();
                Route best = null;
                long wake = Long.MAX_VALUE;
                for (Route r : routes) {
                    Slot s = r.slot();
                    if (s.resting) {
                        if (s.restUntil - now > 0) {
                            wake = Math.min(wake, s.restUntil - now);
                            continue;
                        }
                        s.resting = false;
                    }
                    if (s.inFlight < s.maxConcurrency && (best == null || lessLoaded(s, best.slot()))) {
                        best = r;
                    }
                }
                if (best != null) {
                    best.slot().inFlight++;
                    best.slot().given++;
                    return best;
                }
                if (wake == Long.MAX_VALUE) {
                    pool.changed.await();
                } else {
                    pool.changed.awaitNanos(wake);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GenerationException("Interrupted while waiting for an endpoint of " + modelName, e, false);
        } finally {
            pool.lock.unlock();
        }
    }

    private static boolean lessLoaded(Slot a, Slot b) {
        long la = (long) a.inFlight * b.maxConcurrency;
        long lb = (long) b.inFlight * a.maxConcurrency;
        if (la != lb) {
            return la < lb;
        }
        return a.given / a.weight < b.given / b.weight;
    }

    private void succeeded(Slot s) {
        pool.lock.lock();
        try {
            s.inFlight--;
            s.consecutiveFailures = 0;
            pool.changed.signalAll();
        } finally {
            pool.lock.unlock();
        }
    }

    /** Records a failed attempt and returns what the caller must see. */
    private RuntimeException failed(Route r, RuntimeException e) {
        Slot s = r.slot();
        s.errors.increment();
        boolean retriable = e instanceof DroException d && d.isRetriable();
        Map<String, DroException> allDown = null;
        Duration rest = Duration.ZERO;
        pool.lock.lock();
        try {
            s.inFlight--;
            if (retriable) {
                DroException d = (DroException) e;
                s.consecutiveFailures++;
                s.lastError = d;
                rest = rest(s.consecutiveFailures, d);
                s.resting = true;
                s.restUntil = System.nanoTime() + rest.toNanos();
                if (routes.stream().allMatch(x -> x.slot().consecutiveFailures >= failuresToDown)) {
                    allDown = new LinkedHashMap<>();
                    for (Route x : routes) {
                        allDown.put(x.slot().name, x.slot().lastError);
                    }
                }
            }
            pool.changed.signalAll();
        } finally {
            pool.lock.unlock();
        }
        if (!retriable) {
            return e;
        }
        if (allDown != null) {
            return new AllEndpointsDownException(modelName, allDown, failuresToDown);
        }
        log.debug("{} failed on {}: {}; resting it {} ms", modelName, s.name, e.getMessage(), rest.toMillis());
        return e;
    }

    private Duration rest(int failures, DroException e) {
        Duration d = e.retryAfter().orElseGet(() -> initialRest.multipliedBy(1L << Math.min(failures - 1, 30)));
        return d.compareTo(maxRest) > 0 ? maxRest : d;
    }

    private static ModelCapabilities common(List<Route> routes) {
        ModelCapabilities c = routes.get(0).model().capabilities();
        for (Route r : routes.subList(1, routes.size())) {
            c = c.intersect(r.model().capabilities());
        }
        return c;
    }

    private static Duration nonNegative(Duration d, String name) {
        ensureNotNull(d, name);
        if (d.isNegative()) {
            throw new InvalidRequestException(name + " must not be negative, but was " + d);
        }
        return d;
    }

    /** Collects endpoints and settings; {@link #build()} validates them. */
    public static final class Builder {
        private record Spec(String name, ChatModel model, int maxConcurrency, double weight) { }

        private final List<Spec> routes = new ArrayList<>();
        private String modelName;
        private Pool pool = new Pool();
        private int failuresToDown = 3;
        private Duration initialRest = Duration.ofSeconds(1);
        private Duration maxRest = Duration.ofSeconds(30);

        private Builder() { }

        /**
         * Adds an endpoint, which the router then owns (and closes).
         *
         * @param name           its name in the pool, statistics and messages (unique), e.g. its base URL
         * @param model          the model on it, making one attempt per call (as the OpenAI client does)
         * @param maxConcurrency requests it is sent at once (by all routers sharing the pool), 1 to 256
         * @param weight         its share of the traffic among endpoints equally loaded, greater than 0
         * @throws InvalidRequestException naming the bad argument
         */
        public Builder endpoint(String name, ChatModel model, int maxConcurrency, double weight) {
            ensureNotBlank(name, "name");
            ensureNotNull(model, "model");
            ensureBetween(maxConcurrency, 1, 256, "maxConcurrency");
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new InvalidRequestException("weight must be a positive number, but was " + weight);
            }
            if (routes.stream().anyMatch(s -> s.name().equals(name))) {
                throw new InvalidRequestException("Two endpoints are named " + name);
            }
            routes.add(new Spec(name, model, maxConcurrency, weight));
            return this;
        }

        /** The router's model name (in caches and reports); default the first endpoint's. */
        public Builder modelName(String modelName) {
            this.modelName = ensureNotBlank(modelName, "modelName");
            return this;
        }

        /**
         * The endpoints' shared state (load, rests, figures); share one among the routers of a run so that each
         * endpoint's {@code maxConcurrency} holds for all of them together. Default: a pool of its own.
         */
        public Builder pool(Pool pool) {
            this.pool = pool;
            return this;
        }

        /** Consecutive retriable failures after which an endpoint counts as down, 1 to 100; default 3. */
        public Builder failuresToDown(int failuresToDown) {
            this.failuresToDown = failuresToDown;
            return this;
        }

        /** An endpoint's rest after its first failure, doubled with each further one; default 1 s. */
        public Builder initialRest(Duration initialRest) {
            this.initialRest = initialRest;
            return this;
        }

        /** The longest rest, {@code Retry-After} included; default 30 s. */
        public Builder maxRest(Duration maxRest) {
            this.maxRest = maxRest;
            return this;
        }

        /**
         * @throws InvalidRequestException naming the first setting out of range, or if no endpoint was added or an
         *                                 endpoint is in the pool with another {@code maxConcurrency} or weight
         */
        public RoutingChatModel build() {
            return new RoutingChatModel(this);
        }
    }
}
