package dro.hub;

import java.nio.file.Path;

/**
 * Hears how a model download goes. Every method has an empty default, so implement only what you need.
 * {@code ConsoleProgressBar} draws a progress bar; {@link #NONE} ignores everything.
 *
 * <p>Methods are called on the downloading thread, {@link #progress} often (every few kilobytes): keep them quick.
 * One listener may hear several downloads at once (from several threads) if it is shared, so implementations that
 * keep state must be thread-safe or not be shared.
 */
public interface DownloadListener {

    /** Ignores every event. */
    DownloadListener NONE = new DownloadListener() { };

    /**
     * A transfer begins.
     *
     * @param file        what is downloaded
     * @param totalBytes  the file's size, or -1 if the hub did not say
     * @param resumedFrom bytes already on disk from an interrupted earlier attempt (0 for a fresh start)
     */
    default void started(HfFile file, long totalBytes, long resumedFrom) { }

    /** {@code bytesDone} of {@code totalBytes} (-1 if unknown) are on disk. */
    default void progress(HfFile file, long bytesDone, long totalBytes) { }

    /** An attempt failed and another will follow (resuming where this one stopped). */
    default void retrying(HfFile file, int failedAttempt, int maxAttempts, HubException cause) { }

    /** The file is complete, verified and in its final place. */
    default void finished(HfFile file, Path path) { }

    /** The download failed for good. */
    default void failed(HfFile file, HubException cause) { }
}
