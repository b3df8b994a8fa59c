package dro.backend;

import static dro.internal.Validation.ensureNotNull;

import dro.Generation;
import dro.TokenStream;
import java.util.List;
import java.util.function.Consumer;

/**
 * The base of a decorator over a {@link ChatModel}: every method is handed to the wrapped model unchanged, so a
 * decorator overrides only what it adds to. Decorators compose in any order ({@link RetryingChatModel},
 * {@code UsageAccounting}, the call recording and token budget of a run).
 *
 * <p>{@link #chat} and {@link #chatAll} validate a request against {@link #capabilities()} (the wrapped model's) once,
 * at the outermost decorator, and then reach the wrapped model through its hooks ({@link #doChat},
 * {@link #doChatAll}, {@link #doStream}). {@link #close()} closes the wrapped model.
 *
 * <p>A decorator sees a stream's end, as LangChain4j's listeners and Spring AI's advisors do, by returning
 * {@link #onEnd}{@code (super.doStream(request), generation -> ...)}: it hears the whole generation with its usage
 * once the stream has ended (run to its end, cancelled, or closed), which is how {@code UsageAccounting} and
 * {@code BudgetedChatModel} count what a stream spent.
 *
 * <p>Thread-safe when the wrapped model is and the subclass's additions are.
 */
public abstract class ForwardingChatModel extends ChatModel {

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
    protected ChatModelResponse doChat(ChatModelRequest request) {
        return delegate.doChat(request);
    }

    @Override
    protected TokenStream doStream(ChatModelRequest request) {
        return delegate.doStream(request);
    }

    @Override
    protected List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        return delegate.doChatAll(requests, sharePrefixes);
    }

    @Override
    public void close() {
        delegate.close();
    }

    /**
     * {@code stream}, telling {@code ended} once how it ended: the whole generation with its usage when it ran to its
     * end or was cancelled, or null when it was closed before it ended (its usage unknown). A stream that fails is not
     * reported.
     */
    protected static TokenStream onEnd(TokenStream stream, Consumer<Generation> ended) {
        return onEnd(stream, ended, failure -> { });
    }

    /** As {@link #onEnd(TokenStream, Consumer)}, telling {@code failed} of a failure instead. */
    protected static TokenStream onEnd(TokenStream stream, Consumer<Generation> ended,
                                       Consumer<RuntimeException> failed) {
        return new EndingStream(ensureNotNull(stream, "stream"), ensureNotNull(ended, "ended"),
                ensureNotNull(failed, "failed"));
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
