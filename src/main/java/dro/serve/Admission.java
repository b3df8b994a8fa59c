package dro.serve;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded queue in front of the model's slots: at most {@code slots} generations run at once and at most
 * {@code queue} more wait; any request beyond is refused at once (429), never queued. A request that generates
 * {@code w} answers at once (its {@code n} choices, at most {@code slots}) takes {@code w} slots and counts {@code w}
 * against the queue; waiting is first come, first served, so a large request is not passed over by smaller ones.
 * Thread-safe.
 */
final class Admission {

    private final int slots;
    private final int queue;
    private final Semaphore permits;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();

    Admission(int slots, int queue) {
        this.slots = slots;
        this.queue = queue;
        this.permits = new Semaphore(slots, true);
    }

    /** The slots a request generating {@code answers} answers at once takes: that many, at most all. */
    int weight(int answers) {
        return Math.max(1, Math.min(answers, slots));
    }

    /**
     * Takes {@code weight} slots (see {@link #weight}), waiting in the queue for at most {@code wait}; the caller must
     * {@link #leave(int)} them once done.
     *
     * @throws ServeError 429 when the queue is full, 503 when no slot came free in time
     */
    void enter(Duration wait, int weight) {
        if (admitted.addAndGet(weight) > slots + queue) {
            admitted.addAndGet(-weight);
            throw new ServeError(429, "rate_limit_error", null, "queue_full", "The server is busy: all " + slots
                    + " slots are generating and " + queue + " requests are queued; try again shortly", 1);
        }
        waiting.incrementAndGet();
        boolean got = false;
        try {
            got = permits.tryAcquire(weight, wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waiting.decrementAndGet();
            if (!got) {
                admitted.addAndGet(-weight);
            }
        }
        if (!got) {
            throw new ServeError(503, "server_error", null, "queue_timeout", "No slot came free within "
                    + wait.toSeconds() + " s; try again shortly", 1);
        }
    }

    /** Gives back the {@code weight} slots {@link #enter} took. */
    void leave(int weight) {
        permits.release(weight);
        admitted.addAndGet(-weight);
    }

    /** Requests generating now. */
    int busy() {
        return slots - permits.availablePermits();
    }

    /** Requests waiting for a slot. */
    int waiting() {
        return waiting.get();
    }

    int slots() {
        return slots;
    }
}
