package dro.backend;

import static dro.internal.Validation.ensureNotNull;

import dro.TokenStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A decorator that tries a failed call again under a {@link RetryPolicy}: what {@link dro.DroException#isRetriable()}
 * says may pass (rate limits, server errors, timeouts, broken connections, unreadable answers) is retried, waiting
 * what the failure's {@link dro.DroException#retryAfter()} asks or else the policy's backoff; anything else is thrown
 * at once.
 *
 * <p>A batch ({@link #chatAll}) is retried request by request: the wrapped model answers the batch once, and only if
 * that fails are its requests made again one at a time, each under the policy, so that one bad request does not cost
 * the others' answers twice. A stream is retried only while it is being opened.
 *
 * <p>{@code dro.backend.openai.OpenAiBackend} made by {@code AutoModel} retries inside its HTTP client (its
 * {@code OpenAiChatClient.Builder#retryPolicy}), because the client is also used on its own. The run commands
 * ({@code dro train}, {@code optimize-icl}, {@code eval}) build their API models with {@code RetryPolicy.NONE} on the
 * client and retry here instead, so that every run retries the same way whatever the backend; do the same when
 * wrapping a client yourself, or a failure is tried the product of both policies' attempts.
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
            List<ChatModelResponse> out = new ArrayList<>(requests.size());
            for (ChatModelRequest r : requests) {
                out.add(doChat(r));
            }
            return out;
        }
    }
}
