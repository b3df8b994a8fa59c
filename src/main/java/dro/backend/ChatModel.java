package dro.backend;

import dro.InvalidRequestException;
import dro.TokenStream;

/**
 * A chat model: messages in, {@code n} sampled replies with usage and finish reasons out; blocking or streaming.
 * Implemented by the local llama.cpp model and by OpenAI-compatible endpoints.
 *
 * <h2>Calling</h2>
 * {@link #chat} and {@link #stream} validate a request against {@link #capabilities()} and hand it to the provider's
 * hook ({@link #doChat}, {@link #doStream}); callers use those two and ask {@link #capabilities()} before they use a
 * feature. A stream is cancellable from any thread ({@link TokenStream#cancel()}); a model's timeout ends a call that
 * runs too long with a retriable {@link dro.DroException}.
 *
 * <h2>Usage</h2>
 * {@code completionTokens} counts the tokens generated, whatever they decode to (a stop string's tokens included);
 * the finish reason is {@code LENGTH} when {@code maxNewTokens} ended a reply, {@code STOP} on a stop string or the
 * end of generation.
 *
 * <p>Implementations are thread-safe.
 */
public interface ChatModel extends AutoCloseable {

    /** A stable name of the model (recorded in caches and reports). */
    String modelName();

    /** What this model supports. */
    ModelCapabilities capabilities();

    /** Generates the request's {@code n} replies to the end. */
    default ChatModelResponse chat(ChatModelRequest request) {
        if (request == null) {
            throw new InvalidRequestException("request must not be null");
        }
        capabilities().check(request, modelName());
        return doChat(request);
    }

    /**
     * Starts one reply whose pieces arrive as the model produces them.
     *
     * @throws InvalidRequestException if the request asks for more than one reply
     */
    default TokenStream stream(ChatModelRequest request) {
        if (request == null) {
            throw new InvalidRequestException("request must not be null");
        }
        capabilities().check(request, modelName());
        if (request.n() != 1) {
            throw new InvalidRequestException("a stream carries one reply, but n was " + request.n());
        }
        return doStream(request);
    }

    /** The provider's blocking hook: {@code request} is valid and within {@link #capabilities()}. */
    ChatModelResponse doChat(ChatModelRequest request);

    /** The provider's streaming hook: {@code request} is valid, within {@link #capabilities()}, with {@code n = 1}. */
    TokenStream doStream(ChatModelRequest request);

    /** Releases what can be released. The model must not be used afterwards. */
    @Override
    void close();
}
