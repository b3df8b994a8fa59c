package dro.backend.llamacpp;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which llama.cpp slot runs each request, and what each slot holds in its KV cache.
 *
 * <h2>Why</h2>
 * llama.cpp keeps, per slot, the tokens it last processed ({@code cache_prompt}). A new request on that slot evaluates
 * only the tokens after the longest common prefix of its prompt with them, and at least one token (the last), because
 * logits are needed to sample. The binding does not report that count, so this class pins every request to a slot
 * (the completion's {@code id_slot}) and keeps its own record of what each slot holds.
 *
 * <h2>Choice</h2>
 * Each idle slot is scored by the tokens the request would reuse there (the shared prefix) minus half the cached
 * prompt tokens it would overwrite, so that a request does not evict a long cached prompt to reuse a few tokens when
 * an empty or less useful slot is idle. The best score wins; ties go to a slot whose contents are known, then to the
 * least recently used. While every slot is busy, a request waits.
 *
 * <h2>What is known</h2>
 * After a request, a slot holds the request's prompt followed by tokens it generated. The binding reports text, not
 * the tokens sampled, so that tail counts as unknown. The evaluated count of a new request is therefore exact when
 * its prompt diverges from the slot's cached prompt within that prompt (or equals it, or is shorter). It is reported
 * as unknown (-1) when the new prompt continues past the cached prompt (llama.cpp may then reuse generated tokens), and
 * for the next request on a slot whose previous request was cancelled or failed before its prompt was processed.
 *
 * <p>Thread-safe.
 */
final class SlotScheduler {

    /** A slot held by one request; {@code evaluated} is -1 when it cannot be known. */
    record Lease(int slot, int evaluated) { }

    private static final class Slot {
        /** The prompt tokens the slot's cache starts with, or null when unknown. */
        int[] tokens = new int[0];
        /** Whether the cache holds exactly {@link #tokens} (no generated tail). */
        boolean exact = true;
        boolean busy;
        long lastUsed;
    }

    private final Slot[] slots;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition freed = lock.newCondition();
    private long clock;

    SlotScheduler(int slotCount) {
        slots = new Slot[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new Slot();
        }
    }

    int slotCount() {
        return slots.length;
    }

    /**
     * Takes the idle slot that shares the longest prefix with {@code prompt}, waiting while all are busy.
     *
     * @param prompt        the prompt's tokens as llama.cpp reads them (BOS included)
     * @param deadlineNanos a {@link System#nanoTime()} after which to stop waiting
     * @return the lease, or null if the deadline passed first
     */
    Lease acquire(int[] prompt, long deadlineNanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (true) {
                int best = -1;
                double bestScore = 0;
                for (int i = 0; i < slots.length; i++) {
                    Slot s = slots[i];
                    if (s.busy) {
                        continue;
                    }
                    double score = score(s, prompt);
                    if (best < 0 || score > bestScore || score == bestScore && better(s, slots[best])) {
                        best = i;
                        bestScore = score;
                    }
                }
                if (best >= 0) {
                    Slot s = slots[best];
                    s.busy = true;
                    s.lastUsed = ++clock;
                    return new Lease(best, evaluated(s, prompt));
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                freed.awaitNanos(Math.min(left, TimeUnit.SECONDS.toNanos(60)));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives a slot back.
     *
     * @param prompt          the prompt the request sent
     * @param promptProcessed whether llama.cpp processed the whole prompt (an answer token came back); if not, the
     *                        slot's contents become unknown
     */
    void release(Lease lease, int[] prompt, boolean promptProcessed) {
        lock.lock();
        try {
            Slot s = slots[lease.slot()];
            if (promptProcessed) {
                s.tokens = prompt;
                s.exact = false; // generated tokens follow, which the binding does not report
            } else {
                s.tokens = null;
                s.exact = false;
            }
            s.busy = false;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Gives a slot back untouched: the request never reached llama.cpp. */
    void releaseUnused(Lease lease) {
        lock.lock();
        try {
            slots[lease.slot()].busy = false;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Prompt tokens llama.cpp evaluates for {@code prompt} on slot {@code s}, or -1 when that cannot be known. */
    private static int evaluated(Slot s, int[] prompt) {
        if (s.tokens == null) {
            return -1;
        }
        int common = commonPrefix(s.tokens, prompt);
        if (common == s.tokens.length && prompt.length > common && !s.exact) {
            return -1;
        }
        if (common == prompt.length && common > 0) {
            common--; // llama.cpp evaluates at least the last token, for its logits
        }
        return prompt.length - common;
    }

    /** Tokens reused minus half the cached prompt tokens overwritten; 0 for a slot whose contents are unknown. */
    private static double score(Slot s, int[] prompt) {
        if (s.tokens == null) {
            return 0;
        }
        int common = commonPrefix(s.tokens, prompt);
        return common - (s.tokens.length - common) / 2.0;
    }

    private static boolean better(Slot candidate, Slot current) {
        boolean ck = candidate.tokens != null;
        boolean kk = current.tokens != null;
        if (ck != kk) {
            return ck;
        }
        return candidate.lastUsed < current.lastUsed;
    }

    static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
