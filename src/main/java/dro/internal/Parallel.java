package dro.internal;

import dro.DroException;
import dro.GenerationException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Runs independent calls at once and returns their results in order; the first failure is rethrown as it is, and the
 * other calls are cancelled, except when the failure is a {@link Deferral}: then every other call runs to its own end
 * (it may defer too), so that a batch collects every call that is due, and a failure that is not a deferral wins.
 */
public final class Parallel {

    /** Model calls a run makes at once by default (the training, ICL and evaluation runs and the CLI). */
    public static final int DEFAULT_CONCURRENCY = 8;

    /**
     * Thrown by a call that is not made now but deferred (to a batch job, say); whoever defers it catches it once the
     * calls running beside it have ended. Carries no stack trace.
     */
    public static class Deferral extends RuntimeException {
        public Deferral(String message) {
            super(message, null, false, false);
        }
    }

    private Parallel() { }

    /**
     * Runs {@code call} on a new daemon thread named {@code name} and returns what it returns once that thread has
     * ended; what it throws is thrown here as it is. Waits for the end even when interrupted (the call may not be
     * stoppable, a native load for one) and keeps the interrupt. For work whose thread must not live on: llama.cpp's
     * OpenMP keeps a team of threads for every thread that ran a parallel region, for that thread's life.
     */
    public static <T> T onThreadOfItsOwn(String name, Supplier<T> call) {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                result[0] = call.get();
            } catch (Throwable e) { // handed to the caller, which rethrows it as it is
                failure[0] = e;
            }
        }, name);
        t.setDaemon(true);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] instanceof RuntimeException re) {
            throw re;
        }
        if (failure[0] instanceof Error err) {
            throw err;
        }
        if (failure[0] != null) { // a checked exception thrown sneakily
            throw new IllegalStateException(failure[0]);
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    /** {@code f(0) .. f(n-1)} on {@code pool}, or in order on this thread when {@code pool} is null. */
    public static <R> List<R> map(int n, IntFunction<R> f, ExecutorService pool) {
        List<R> out = new ArrayList<>(n);
        if (pool == null || n <= 1) {
            Deferral deferred = null;
            for (int i = 0; i < n; i++) {
                try {
                    out.add(f.apply(i));
                } catch (Deferral d) {
                    deferred = deferred == null ? d : deferred;
                    out.add(null);
                }
            }
            if (deferred != null) {
                throw deferred;
            }
            return out;
        }
        List<Future<R>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int idx = i;
            futures.add(pool.submit(() -> f.apply(idx)));
        }
        try {
            for (Future<R> fu : futures) {
                out.add(fu.get());
            }
            return out;
        } catch (InterruptedException e) {
            futures.forEach(fu -> fu.cancel(true));
            Thread.currentThread().interrupt();
            throw new GenerationException("Interrupted", e, true);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Deferral d) {
                throw settle(futures, d);
            }
            futures.forEach(fu -> fu.cancel(true));
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new DroException("A call failed: " + e.getCause(), e.getCause());
        }
    }

    /** Waits for every call; the first failure that is not a deferral, else {@code deferral}. */
    private static RuntimeException settle(List<? extends Future<?>> futures, Deferral deferral) {
        RuntimeException other = null;
        for (Future<?> fu : futures) {
            try {
                fu.get();
            } catch (InterruptedException ie) {
                futures.forEach(f -> f.cancel(true));
                Thread.currentThread().interrupt();
                return new GenerationException("Interrupted", ie, true);
            } catch (ExecutionException ee) {
                Throwable c = ee.getCause();
                if (other == null && !(c instanceof Deferral)) {
                    other = c instanceof RuntimeException re ? re : new DroException("A call failed: " + c, c);
                }
            } catch (java.util.concurrent.CancellationException ce) {
                // cancelled by someone else
            }
        }
        return other != null ? other : deferral;
    }

    /** {@code f(0) .. f(n-1)} with at most {@code threads} at once, on daemon threads named {@code name-N}. */
    public static <R> List<R> map(int n, IntFunction<R> f, int threads, String name) {
        if (n <= 1 || threads <= 1) {
            return map(n, f, null);
        }
        ExecutorService pool = pool(Math.min(n, threads), name);
        try {
            return map(n, f, pool);
        } finally {
            pool.shutdownNow();
        }
    }

    /** A fixed pool of daemon threads named {@code name-N}. */
    public static ExecutorService pool(int threads, String name) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return Executors.newFixedThreadPool(threads, factory);
    }
}
