package dro;

import java.util.Iterator;

/**
 * Text pieces of one generation as the model produces them.
 *
 * <p>Iterate with {@link #hasNext()}/{@link #next()} on one thread. {@link #cancel()} may be called from any thread:
 * the stream then ends after at most one more piece, and {@link #result()} reports {@link FinishReason#CANCELLED}.
 * {@link #close()} cancels a stream that has not ended, so use try-with-resources.
 */
public interface TokenStream extends Iterator<String>, AutoCloseable {

    /** Stops generation; safe to call from any thread and more than once. */
    void cancel();

    /**
     * The whole generation, once the stream has ended.
     *
     * @throws InvalidRequestException if the stream has not ended yet
     */
    Generation result();

    @Override
    void close();

    /**
     * A whole generation, made at once, as a stream of one piece (none when its text is empty): for models that cannot
     * stream. A cancel before the piece is taken leaves an empty text; either way {@link #result()} then reports
     * {@link FinishReason#CANCELLED}.
     */
    static TokenStream ofWhole(Generation whole) {
        return new TokenStream() {
            private volatile boolean taken;
            private volatile boolean cancelled;

            @Override
            public boolean hasNext() {
                return !taken && !cancelled && !whole.text().isEmpty();
            }

            @Override
            public String next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                taken = true;
                return whole.text();
            }

            @Override
            public void cancel() {
                cancelled = true;
            }

            @Override
            public Generation result() {
                return cancelled ? new Generation(taken ? whole.text() : "", whole.usage(), FinishReason.CANCELLED)
                        : whole;
            }

            @Override
            public void close() {
                cancelled = cancelled || !taken;
            }
        };
    }
}
