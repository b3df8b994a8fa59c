package dro.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What every fuzz target ({@code *FuzzTest}, docs/FUZZING.md) asserts: a reader given any bytes returns, or throws
 * one of its declared exceptions with a message; anything else (another exception, an {@link Error} such as
 * {@code StackOverflowError} or {@code OutOfMemoryError}) escapes and is a finding. In fuzz mode an input that takes
 * more than a second of its thread's CPU time is a finding too (CPU time, so that a machine shared with other jobs, or
 * a fuzzer paused with SIGSTOP, does not turn a quick input into a finding; regression mode asserts nothing about
 * time: an input that hangs simply does not end).
 */
public final class Fuzz {

    /** One directory per JVM under the temporary directory, for the readers that take a file. */
    private static Path dir;

    /** In fuzz mode ({@code JAZZER_FUZZ} set), an input that takes longer than this is a finding. */
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

    /** The CPU time of the current thread, or the wall time where the JVM cannot measure it. */
    private static long cpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** Writes {@code data} to {@code name} in this JVM's fuzz directory (replacing what was there) and returns it. */
    public static synchronized Path file(String name, byte[] data) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("dro4j-fuzz-");
                dir.toFile().deleteOnExit();
            }
            Path f = dir.resolve(name);
            Files.write(f, data);
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh empty directory in this JVM's fuzz directory. */
    public static synchronized Path freshDirectory(String name) {
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("dro4j-fuzz-");
                dir.toFile().deleteOnExit();
            }
            Path d = dir.resolve(name);
            if (Files.exists(d)) {
                try (var s = Files.walk(d)) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            return Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
