package dro.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;

/**
 * What every fuzz target ({@code *FuzzTest}, docs/FUZZING.md) asserts: a reader given any bytes returns, or throws
 * one of its declared exceptions with a message; anything else (another exception, an {@link Error} such as
 * {@code StackOverflowError} or {@code OutOfMemoryError}) escapes and is a finding. In fuzz mode an input that takes
 * more than a second of the fuzzing thread's CPU time is a finding too (regression mode asserts nothing about time: an
 * input that hangs simply does not end). CPU time, not wall time: on a shared machine a process at low priority waits,
 * or is paused (SIGSTOP), for seconds with no work done, and a wall-clock bound would report those waits as findings.
 */
public final class Fuzz {

    /** One directory per JVM under the temporary directory, for the readers that take a file. */
    private static Path dir;

    /** The files of {@link #dir} registered for deletion at exit (once each). */
    private static final Set<Path> REGISTERED = new HashSet<>();

    /** In fuzz mode ({@code JAZZER_FUZZ} set), an input that takes more CPU time than this is a finding. */
    static final long MAX_NANOS_PER_INPUT = 1_000_000_000L;

    /** Calls before the time bound applies (class loading and the JIT's first compilations). */
    private static final int WARM_UP_CALLS = 200;

    private static final boolean FUZZING = System.getenv("JAZZER_FUZZ") != null
            && !System.getenv("JAZZER_FUZZ").isBlank() && !System.getenv("JAZZER_FUZZ").equals("0");

    private static int calls;

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private Fuzz() { }

    /** A reader's call. */
    @FunctionalInterface
    public interface Call {
        void run() throws Exception;
    }

    /**
     * Runs {@code call}; returns normally if it returned or threw one of {@code declared} with a non-blank message,
     * and rethrows anything else (as it was, or wrapped in an {@link AssertionError} when a declared exception has no
     * message).
     */
    @SafeVarargs
    public static void onlyDeclared(Call call, Class<? extends Throwable>... declared) {
        long start = cpuNanos();
        try {
            call.run();
        } catch (Throwable t) {
            for (Class<? extends Throwable> c : declared) {
                if (c.isInstance(t)) {
                    if (t.getMessage() == null || t.getMessage().isBlank()) {
                        throw new AssertionError("a declared " + t.getClass().getName() + " without a message", t);
                    }
                    return;
                }
            }
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new AssertionError("an undeclared " + t, t);
        } finally {
            long took = cpuNanos() - start;
            if (FUZZING && ++calls > WARM_UP_CALLS && took > MAX_NANOS_PER_INPUT) {
                throw new AssertionError("the input took " + took / 1_000_000 + " ms of CPU time, more than the "
                        + MAX_NANOS_PER_INPUT / 1_000_000 + " ms a reader may take");
            }
        }
    }

    /** This thread's CPU time (wall time where the JVM cannot measure it). */
    private static long cpuNanos() {
        return FUZZING && THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime()
                : System.nanoTime();
    }

    /**
     * Writes {@code data} to {@code name} in this JVM's fuzz directory (replacing what was there) and returns it. The
     * old file is deleted and a new one created, not truncated and overwritten: truncating a file that holds data waits
     * on the file system's journal (ext4 orders data before the truncation), and a recording of the endpoints target
     * found its fuzzing thread in that {@code open(O_TRUNC)} most of the time.
     */
    public static synchronized Path file(String name, byte[] data) {
        try {
            Path f = absent(name);
            Files.write(f, data, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code name} in this JVM's fuzz directory, with no file or directory there (for a reader that writes it, or one
     * that must not find it).
     */
    public static synchronized Path absent(String name) {
        try {
            Path f = directory().resolve(name);
            deleteTree(f);
            if (REGISTERED.add(f)) {
                f.toFile().deleteOnExit();
            }
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh empty directory in this JVM's fuzz directory. */
    public static synchronized Path freshDirectory(String name) {
        try {
            Path d = directory().resolve(name);
            deleteTree(d);
            return Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (var s = Files.walk(p)) {
                for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(q);
                }
            }
        } else {
            Files.deleteIfExists(p);
        }
    }

    private static Path directory() throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory("dro4j-fuzz-");
            dir.toFile().deleteOnExit();
        }
        return dir;
    }
}
