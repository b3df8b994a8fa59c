package dro.backend;

import static dro.internal.Validation.ensureNotNull;

import dro.TokenStream;
import java.util.List;

/**
 * The base of a decorator over a {@link ChatModel}: every method is handed to the wrapped model unchanged, so a
 * decorator overrides only what it adds to. Decorators compose in any order ({@link RetryingChatModel},
 * {@link UsageAccounting}, the call recording and token budget of a run).
 *
 * <p>{@link #chat} and {@link #chatAll} validate a request against {@link #capabilities()} (the wrapped model's) once,
 * at the outermost decorator, and then reach the wrapped model through its hooks ({@link #doChat},
 * {@link #doChatAll}, {@link #doStream}). {@link #close()} closes the wrapped model.
 *
 * <p>Thread-safe when the wrapped model is and the subclass's additions are.
 */
public abstract class ForwardingChatModel implements ChatModel {

    private final ChatModel delegate;

    /**
     * @throws dro.InvalidRequestException if {@code delegate} is null
     */
    protected ForwardingChatModel(ChatModel delegate) {
        this.delegate = ensureNotNull(delegate, "delegate");
    }

    /** The wrapped model. */
    public ChatModel delegate() {
        return delegate;
    }

    @Override
    public String modelName() {
        return delegate.modelName();
    }

    @Override
    public ModelCapabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public String renderPrompt(ChatModelRequest request) {
        return delegate.renderPrompt(request);
    }

    @Override
    public ChatModelResponse doChat(ChatModelRequest request) {
        return delegate.doChat(request);
    }

    @Override
    public TokenStream doStream(ChatModelRequest request) {
        return delegate.doStream(request);
    }

    @Override
    public List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        return delegate.doChatAll(requests, sharePrefixes);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
