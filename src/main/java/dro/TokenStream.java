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
}
