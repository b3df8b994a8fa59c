package dro.backend.internal;

import dro.FinishReason;
import dro.Generation;
import dro.InvalidRequestException;
import dro.TokenStream;
import dro.Usage;
import java.util.NoSuchElementException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The common part of every backend's {@link TokenStream}: one piece read ahead, the text so far, and cancellation
 * that is safe from any thread. The consuming thread reads pieces under a lock; {@link #cancel()} from another thread
 * only flags the stream (and may {@link #interrupt()} a blocked read), and the consumer ends it at its next read.
 * This matters for llama.cpp, whose blocked read never returns if its task is cancelled from elsewhere.
 */
public abstract class PieceStream implements TokenStream {

    private final StringBuilder text = new StringBuilder();
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean cancelRequested;
    private volatile FinishReason finish;
    private String pending;

    /** The next non-empty piece, or null when the generation ended by itself. Called with the lock held. */
    protected abstract String nextPiece();

    /** Why the generation ended by itself, once {@link #nextPiece()} returned null. */
    protected abstract FinishReason naturalEnd();

    /** Stops the generation early (cancel or failure). Called once, with the lock held. */
    protected abstract void stop();

    /** The tokens used, once the stream has ended. */
    protected abstract Usage usage(String text);

    /** Unblocks a read in progress on another thread, if the backend can; by default nothing. */
    protected void interrupt() {
    }

    /** Releases what the stream holds when it is closed, ended or not; by default nothing. */
    protected void release() {
    }

    /** The text generated so far. */
    protected final String text() {
        return text.toString();
    }

    /** Whether {@link #cancel()} was called. */
    protected final boolean cancelRequested() {
        return cancelRequested;
    }

    @Override
    public final boolean hasNext() {
        if (pending != null) {
            return true;
        }
        if (finish != null) {
            return false;
        }
        fetch();
        return pending != null;
    }

    @Override
    public final String next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        String p = pending;
        pending = null;
        return p;
    }

    private void fetch() {
        lock.lock();
        try {
            if (finish != null) {
                return;
            }
            if (cancelRequested) {
                end(FinishReason.CANCELLED);
                return;
            }
            String piece;
            try {
                piece = nextPiece();
            } catch (RuntimeException e) {
                boolean cancelled = cancelRequested;
                end(FinishReason.CANCELLED);
                if (cancelled) {
                    return; // the read failed because it was interrupted on purpose
                }
                throw e;
            }
            if (piece == null) {
                finish = naturalEnd();
                return;
            }
            if (cancelRequested) {
                end(FinishReason.CANCELLED);
            }
            text.append(piece);
            pending = piece;
        } finally {
            lock.unlock();
        }
    }

    private void end(FinishReason reason) {
        finish = reason;
        stop();
    }

    @Override
    public final void cancel() {
        cancelRequested = true;
        if (lock.tryLock()) {
            try {
                if (finish == null) {
                    end(FinishReason.CANCELLED);
                }
            } finally {
                lock.unlock();
            }
        } else {
            interrupt();
        }
    }

    @Override
    public final Generation result() {
        FinishReason f = finish;
        if (f == null) {
            throw new InvalidRequestException("The stream has not ended: iterate it to the end or cancel it");
        }
        return new Generation(text.toString(), usage(text.toString()), f);
    }

    @Override
    public final void close() {
        if (finish == null) {
            cancel();
        }
        release();
    }
}
