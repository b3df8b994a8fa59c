package dro;

import java.nio.file.Path;

/**
 * A file or directory could not be read, written, created or listed: the operating system refused (permissions, a
 * full disk, a file where a directory should be, a vanished file). The message and {@link #file()} name the path; the
 * cause is the {@link java.io.IOException} that said why.
 *
 * <p>Thrown for dro4j's own files (run and log directories, call caches, prompt stores, batch ledgers, written
 * results) and for data files a caller names. A file that dro4j could read but that holds the wrong thing is not
 * this: it is an {@link InvalidRequestException} (a bad queries or ICL file), a {@link ModelLoadException} (a model),
 * or the subsystem's own exception ({@code dro.compat.ArtifactException} for the original's files,
 * {@code dro.hub.HubException} for downloads, {@code NativeBuildException} while building llama.cpp).
 *
 * <p>Not retriable: the same call fails the same way until the file system changes.
 */
public class FileAccessException extends DroException {

    private final transient Path file;

    /**
     * @param message says what could not be done, naming {@code file}
     * @param file    the file or directory
     * @param cause   what the file system said
     */
    public FileAccessException(String message, Path file, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** The file or directory that could not be read or written. */
    public Path file() {
        return file;
    }
}
