package dro.backend;

import dro.Generation;
import dro.TokenStream;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A stream that tells its decorator, once, how it ended: {@code ended} with the whole {@link Generation} (its usage
 * included) when it ran to its end or was cancelled, or with null when it was closed before it ended (no usage known);
 * {@code failed} with the failure that broke it. See {@link ForwardingChatModel#onEnd}.
 */
final class EndingStream implements TokenStream {

    private final TokenStream inner;
    private final Consumer<Generation> ended;
    private final Consumer<RuntimeException> failed;
    private final AtomicBoolean done = new AtomicBoolean();

    EndingStream(TokenStream inner, Consumer<Generation> ended, Consumer<RuntimeException> failed) {
        this.inner = inner;
        this.ended = ended;
        this.failed = failed;
    }

    @Override
    public boolean hasNext() {
        boolean more;
        try {
            more = inner.hasNext();
        } catch (RuntimeException e) {
            fail(e);
            throw e;
        }
        if (!more) {
            end(inner.result());
        }
        return more;
    }

    @Override
    public String next() {
        try {
            return inner.next();
        } catch (NoSuchElementException e) {
            end(resultIfEnded());
            throw e;
        } catch (RuntimeException e) {
            fail(e);
            throw e;
        }
    }

    @Override
    public void cancel() {
        inner.cancel();
    }

    @Override
    public Generation result() {
        return inner.result();
    }

    @Override
    public void close() {
        try {
            inner.close();
        } finally {
            if (!done.get()) {
                end(resultIfEnded());
            }
        }
    }

    private Generation resultIfEnded() {
        try {
            return inner.result();
        } catch (IllegalStateException notEnded) {
            return null;
        }
    }

    private void end(Generation g) {
        if (done.compareAndSet(false, true)) {
            ended.accept(g);
        }
    }

    private void fail(RuntimeException e) {
        if (done.compareAndSet(false, true)) {
            failed.accept(e);
        }
    }
}
