package dro.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParallelTest {

    final ExecutorService pool = Parallel.pool(2, "parallel-test");

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void returnsResultsInOrder() {
        assertEquals(List.of(0, 1, 4, 9), Parallel.map(4, i -> i * i, pool));
    }

    @Test
    void aDeferralLetsEveryOtherCallRunToItsEndBeforeItIsThrown() {
        for (ExecutorService p : java.util.Arrays.asList(pool, null)) {
            Set<Integer> ran = java.util.Collections.synchronizedSet(new TreeSet<>());
            Parallel.Deferral d = assertThrows(Parallel.Deferral.class, () -> Parallel.map(20, i -> {
                ran.add(i);
                if (i % 3 == 0) {
                    throw new Parallel.Deferral("later " + i);
                }
                return i;
            }, p));
            assertEquals(20, ran.size(), "every call ran, pool " + p);
            assertEquals("later 0", d.getMessage());
        }
    }

    @Test
    void aFailureThatIsNotADeferralWinsOverDeferrals() {
        IllegalStateException boom = new IllegalStateException("boom");
        RuntimeException e = assertThrows(RuntimeException.class, () -> Parallel.map(10, i -> {
            if (i == 0) {
                throw new Parallel.Deferral("later");
            }
            if (i == 7) {
                throw boom;
            }
            return i;
        }, pool));
        assertSame(boom, e);
    }

    @Test
    void aCallOnAThreadOfItsOwnRunsOnANamedThreadThatHasEndedWhenItReturns() {
        Thread[] loader = new Thread[1];
        String value = Parallel.onThreadOfItsOwn("dro4j-llama-load", () -> {
            loader[0] = Thread.currentThread();
            return "loaded";
        });
        assertEquals("loaded", value);
        assertNotSame(Thread.currentThread(), loader[0]);
        assertEquals("dro4j-llama-load", loader[0].getName());
        assertEquals(Thread.State.TERMINATED, loader[0].getState());
    }

    @Test
    void whatTheCallsThreadThrowsReachesTheCallerAsItIs() {
        IllegalStateException thrown = new IllegalStateException("no such model: x.gguf");
        assertSame(thrown, assertThrows(IllegalStateException.class,
                () -> Parallel.onThreadOfItsOwn("dro4j-llama-load", () -> { throw thrown; })));
        OutOfMemoryError error = new OutOfMemoryError("KV cache");
        assertSame(error, assertThrows(OutOfMemoryError.class,
                () -> Parallel.onThreadOfItsOwn("dro4j-llama-load", () -> { throw error; })));
    }

    @Test
    void anInterruptedCallerWaitsForTheCallAndKeepsItsInterrupt() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<Object[]> outcome = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            String v = Parallel.onThreadOfItsOwn("dro4j-llama-load", () -> {
                loading.countDown();
                try {
                    finish.await();
                } catch (InterruptedException e) {
                    return "interrupted";
                }
                return "loaded";
            });
            outcome.complete(new Object[] {v, Thread.currentThread().isInterrupted()});
        });
        caller.start();
        loading.await();
        caller.interrupt();
        assertFalse(outcome.isDone(), "returned before the load ended");
        finish.countDown();
        Object[] o = outcome.get(60, TimeUnit.SECONDS);
        assertEquals("loaded", o[0]);
        assertEquals(true, o[1]);
    }
}
