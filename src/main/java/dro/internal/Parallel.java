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

/** Runs independent calls at once and returns their results in order; the first failure is rethrown as it is. */
public final class Parallel {

    private Parallel() { }

    /** {@code f(0) .. f(n-1)} on {@code pool}, or in order on this thread when {@code pool} is null. */
    public static <R> List<R> map(int n, IntFunction<R> f, ExecutorService pool) {
        List<R> out = new ArrayList<>(n);
        if (pool == null || n <= 1) {
            for (int i = 0; i < n; i++) {
                out.add(f.apply(i));
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
