package dro.internal;

import dro.FileAccessException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Files written whole or not at all: to a temporary file of a unique name beside the target, then moved into place
 * atomically (where the file system cannot, a plain replacing move). Readers see the old file or the new one, never
 * a part; concurrent writers of one file each write their own temporary file, and the last move wins.
 *
 * <p>Thread-safe: every method works on its own temporary file.
 */
public final class AtomicFiles {

    /** What writes a file's bytes to the stream it is given. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() { }

    /**
     * Writes {@code text} as UTF-8, creating the parent directories.
     *
     * @throws FileAccessException naming the file if it cannot be written
     */
    public static void write(Path file, String text) {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code bytes}, creating the parent directories.
     *
     * @throws FileAccessException naming the file if it cannot be written
     */
    public static void write(Path file, byte[] bytes) {
        write(file, out -> out.write(bytes));
    }

    /**
     * Writes what {@code content} writes (through a buffer), creating the parent directories.
     *
     * @throws FileAccessException naming the file if it cannot be written
     */
    public static void write(Path file, Content content) {
        Path parent = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                content.writeTo(out);
            }
            move(tmp, file);
            tmp = null;
        } catch (IOException e) {
            throw new FileAccessException("Cannot write " + file + ": " + e.getMessage(), file, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that failure is the one reported
                }
            }
        }
    }

    /**
     * Moves {@code from} to {@code to} (a file or a directory), replacing a file there: atomically where the file
     * system can, else by a plain move.
     */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
