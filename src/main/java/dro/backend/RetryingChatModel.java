package dro.backend;

import static dro.internal.Validation.ensureNotNull;

import dro.TokenStream;
import dro.internal.Parallel;
import java.util.List;

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
 * {@link RetryPolicy#maxAttempts()} times ({@link RetryPolicy#DEFAULT}: 3), then its last failure is thrown, its message
 * ending in {@code "; gave up after N attempts"}; fewer when a failure is not retriable, when an endpoint asks to wait
 * longer than {@link RetryPolicy#maxRetryAfter()}, or when a router finds every endpoint down
 * ({@link RoutingChatModel.AllEndpointsDownException}, not retriable). {@code AutoModel}'s API models and the run
 * commands ({@code dro train}, {@code optimize-icl}, {@code eval}) are wrapped in this decorator; wrap a model of your
 * own the same way, once.
 *
 * <h2>Batches and streams</h2>
 * A batch ({@link #chatAll}) is retried request by request: the wrapped model answers the batch once, and only if
 * that fails are its requests made again, each under the policy (as many at once as a router beneath takes, else one
 * at a time), so that one bad request does not fail the others. A stream is retried only while it is being opened.
 *
 * <p>Thread-safe.
 */
public final class RetryingChatModel extends ForwardingChatModel {

    private final RetryPolicy policy;

    /**
     * @throws dro.InvalidRequestException if an argument is null
     */
    public RetryingChatModel(ChatModel delegate, RetryPolicy policy) {
        super(delegate);
        this.policy = ensureNotNull(policy, "policy");
    }

    /** The policy calls are retried under. */
    public RetryPolicy policy() {
        return policy;
    }

    @Override
    public ChatModelResponse doChat(ChatModelRequest request) {
        return policy.execute(() -> super.doChat(request));
    }

    @Override
    public TokenStream doStream(ChatModelRequest request) {
        return policy.execute(() -> super.doStream(request));
    }

    @Override
    public List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        try {
            return super.doChatAll(requests, sharePrefixes);
        } catch (dro.DroException e) {
            if (!e.isRetriable() || policy.maxAttempts() == 1) {
                throw e;
            }
            return Parallel.map(requests.size(), i -> doChat(requests.get(i)), concurrency(), "dro4j-retry");
        }
    }

    /** Requests the wrapped model takes at once: a router's total beneath any decorators, else 1. */
    private int concurrency() {
        ChatModel m = delegate();
        while (m instanceof ForwardingChatModel f) {
            m = f.delegate();
        }
        return m instanceof RoutingChatModel r ? r.totalConcurrency() : 1;
    }
}
