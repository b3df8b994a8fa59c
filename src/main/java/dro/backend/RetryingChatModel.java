package dro.backend;

import static dro.internal.Validation.ensureBetween;
import static dro.internal.Validation.ensureNotNull;

import dro.DroException;
import dro.TokenStream;
import dro.internal.Parallel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one retry layer of dro4j: a decorator that tries a failed call again under a {@link RetryPolicy}. What
 * {@link dro.DroException#isRetriable()} says may pass (rate limits, server errors, timeouts, broken connections,
 * unreadable answers) is retried, waiting what the failure's {@link dro.DroException#retryAfter()} asks or else the
 * policy's backoff; anything else is thrown at once.
 *
 * <h2>Attempts</h2>
 * The transports beneath make one attempt per call: the OpenAI client ({@code dro.backend.openai}) and the
 * {@link RoutingChatModel}, which only chooses the endpoint of each attempt (a retried attempt goes to another
 * endpoint, the failed one resting). So a request that keeps failing retriably reaches the endpoints exactly
 * {@link RetryPolicy#maxAttempts()} times ({@link RetryPolicy#DEFAULT}: 3), then its last failure is thrown, its
 * message ending in {@code "; gave up after N attempts"}. Fewer when a failure is not retriable, when an endpoint asks
 * to wait longer than {@link RetryPolicy#maxRetryAfter()}, or when a router finds every endpoint down
 * ({@link RoutingChatModel.AllEndpointsDownException}, not retriable). {@code AutoModel}'s API models and the run
 * commands ({@code dro train}, {@code optimize-icl}, {@code eval}) are wrapped in this decorator; wrap a model of your
 * own the same way, once.
 *
 * <h2>Over a router</h2>
 * The wait before a retry is the time until one of the router's endpoints is awake (none while one is): the failed
 * endpoint's own wait ({@code Retry-After} or backoff) is its rest, which the router keeps, so a retry goes at once to
 * an endpoint that can take it.
 *
 * <h2>Batches and streams</h2>
 * A batch ({@link #chatAll}) is retried request by request, so that one failing request neither fails the others nor
 * makes them be asked again. Over a model whose concurrency is known (given to the constructor, or a
 * {@link RoutingChatModel} beneath: its {@link RoutingChatModel#totalConcurrency()}) each request is sent on its own
 * under the policy, that many at once. Over any other model (a local model, whose batch shares slots and prefixes)
 * the wrapped model answers the batch once, and only if that fails are its requests made again one at a time, each
 * under the policy. A stream is retried only while it is being opened.
 *
 * <p>Thread-safe.
 */
public final class RetryingChatModel extends ForwardingChatModel {

    private final RetryPolicy policy;
    private final int concurrency;
    private final Function<DroException, Optional<Duration>> askedWait;

    /**
     * Retries {@code delegate}'s calls; a batch goes to it whole first, unless it is (or decorates) a
     * {@link RoutingChatModel}, whose requests are retried one by one, its total concurrency at once.
     *
     * @throws dro.InvalidRequestException if an argument is null
     */
    public RetryingChatModel(ChatModel delegate, RetryPolicy policy) {
        super(delegate);
        this.policy = ensureNotNull(policy, "policy");
        this.concurrency = routerConcurrency(delegate);
        this.askedWait = askedWait(delegate);
    }

    /**
     * Retries {@code delegate}'s calls, the requests of a batch each on its own, {@code concurrency} at once.
     *
     * @param concurrency requests the wrapped model takes at once (e.g. an OpenAI backend's
     *                    {@code maxConcurrency}), 1 to 256
     * @throws dro.InvalidRequestException if an argument is null or {@code concurrency} is out of range
     */
    public RetryingChatModel(ChatModel delegate, RetryPolicy policy, int concurrency) {
        super(delegate);
        this.policy = ensureNotNull(policy, "policy");
        this.concurrency = ensureBetween(concurrency, 1, 256, "concurrency");
        this.askedWait = askedWait(delegate);
    }

    /** The policy calls are retried under. */
    public RetryPolicy policy() {
        return policy;
    }

    @Override
    protected ChatModelResponse doChat(ChatModelRequest request) {
        return policy.execute(() -> super.doChat(request), RetryPolicy.Retrying.NONE, askedWait);
    }

    @Override
    protected TokenStream doStream(ChatModelRequest request) {
        return policy.execute(() -> super.doStream(request), RetryPolicy.Retrying.NONE, askedWait);
    }

    @Override
    protected List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        if (concurrency > 0) {
            return Parallel.map(requests.size(), i -> policy.execute(
                    () -> super.doChatAll(List.of(requests.get(i)), sharePrefixes).get(0), RetryPolicy.Retrying.NONE,
                    askedWait), concurrency, "dro4j-retry");
        }
        try {
            return super.doChatAll(requests, sharePrefixes);
        } catch (DroException e) {
            if (!e.isRetriable() || policy.maxAttempts() == 1) {
                throw e;
            }
            List<ChatModelResponse> out = new ArrayList<>(requests.size());
            for (ChatModelRequest r : requests) {
                out.add(doChat(r));
            }
            return out;
        }
    }

    /** A router's total concurrency beneath any decorators, else 0 (unknown). */
    private static int routerConcurrency(ChatModel model) {
        RoutingChatModel r = router(model);
        return r != null ? r.totalConcurrency() : 0;
    }

    /** The wait a failure asks for: over a router, until one of its endpoints is awake; else its own. */
    private static Function<DroException, Optional<Duration>> askedWait(ChatModel model) {
        RoutingChatModel r = router(model);
        return r != null ? failure -> Optional.of(r.untilAwake()) : DroException::retryAfter;
    }

    /** The router beneath any decorators, or null. */
    private static RoutingChatModel router(ChatModel model) {
        ChatModel m = model;
        while (m instanceof ForwardingChatModel f) {
            m = f.delegate();
        }
        return m instanceof RoutingChatModel r ? r : null;
    }
}
