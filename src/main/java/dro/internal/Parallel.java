package dro.internal;

import dro.DroException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** Runs independent model calls at once and returns their results in order. */
public final class Parallel {

    private Parallel() { }

    /**
     * {@code f(0) .. f(n-1)} on {@code pool} (or in order on this thread when {@code pool} is null). The first failure
     * cancels the rest and is thrown as it is.
     */
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
            throw new DroException("Interrupted", e);
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

    /** A pool of {@code threads} daemon threads named {@code dro4j-<name>-N}, or null for one thread (run in order). */
    public static ExecutorService pool(int threads, String name) {
        if (threads <= 1) {
            return null;
        }
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "dro4j-" + name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
