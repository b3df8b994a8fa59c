package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The slot bookkeeping on its own: which slot a prompt gets and what llama.cpp will evaluate there. */
class SlotSchedulerTest {

    static final long NEVER = Long.MAX_VALUE;

    static int[] tokens(String s) {
        return s.chars().toArray();
    }

    static SlotScheduler.Lease run(SlotScheduler s, String prompt) throws InterruptedException {
        SlotScheduler.Lease l = s.acquire(tokens(prompt), NEVER);
        s.release(l, tokens(prompt), true);
        return l;
    }

    @Test
    void anEmptySlotEvaluatesTheWholePromptAndAnIdenticalOneOnlyTheLastToken() throws Exception {
        SlotScheduler s = new SlotScheduler(1);
        assertEquals(new SlotScheduler.Lease(0, 10), run(s, "abcdefghij"));
        assertEquals(new SlotScheduler.Lease(0, 1), run(s, "abcdefghij"));
        assertEquals(new SlotScheduler.Lease(0, 4), run(s, "abcdefXYZW"));
        assertEquals(new SlotScheduler.Lease(0, 1), run(s, "abcdef"), "a prefix of the cached prompt");
    }

    @Test
    void aPromptThatContinuesPastTheCachedPromptIsNotKnown() throws Exception {
        SlotScheduler s = new SlotScheduler(1);
        run(s, "abcdef");
        assertEquals(-1, run(s, "abcdefgh").evaluated(), "llama.cpp may reuse the tokens generated after abcdef");
    }

    @Test
    void aRequestGoesToTheSlotItSharesMostWithAndDoesNotEvictALongPromptForAFewTokens() throws Exception {
        SlotScheduler s = new SlotScheduler(3);
        assertEquals(0, run(s, "system-A question one").slot());
        assertEquals(1, run(s, "other prompt entirely").slot(), "an empty slot rather than evicting slot 0");
        assertEquals(2, run(s, "sys-B question").slot(), "shares 3 tokens with slot 0 but would evict 18");
        assertEquals(0, run(s, "system-A question two").slot());
        assertEquals(new SlotScheduler.Lease(1, 1), run(s, "other prompt entirely"));
    }

    @Test
    void tiesGoToTheLeastRecentlyUsedSlot() throws Exception {
        SlotScheduler s = new SlotScheduler(2);
        assertEquals(0, run(s, "aaaa").slot());
        assertEquals(1, run(s, "bbbb").slot());
        assertEquals(0, run(s, "cccc").slot());
        assertEquals(1, run(s, "dddd").slot());
    }

    @Test
    void aSlotWhoseRequestEndedBeforeItsPromptWasReadIsUnknownUntilItIsUsedAgain() throws Exception {
        SlotScheduler s = new SlotScheduler(1);
        run(s, "abcdef");
        SlotScheduler.Lease cancelled = s.acquire(tokens("abcxyz"), NEVER);
        s.release(cancelled, tokens("abcxyz"), false);
        assertEquals(-1, run(s, "abcdef").evaluated());
        assertEquals(1, run(s, "abcdef").evaluated());
    }

    @Test
    void aRequestThatNeverReachedLlamaCppLeavesTheSlotAsItWas() throws Exception {
        SlotScheduler s = new SlotScheduler(1);
        run(s, "abcdef");
        s.releaseUnused(s.acquire(tokens("zzz"), NEVER));
        assertEquals(1, run(s, "abcdef").evaluated());
    }

    @Test
    void aRequestWaitsForAFreeSlotUntilItsDeadline() throws Exception {
        SlotScheduler s = new SlotScheduler(1);
        SlotScheduler.Lease held = s.acquire(tokens("abc"), NEVER);
        assertNull(s.acquire(tokens("abd"), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100)));

        CompletableFuture<SlotScheduler.Lease> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return s.acquire(tokens("abd"), NEVER);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertTrue(!waiting.isDone());
        s.release(held, tokens("abc"), true);
        assertEquals(new SlotScheduler.Lease(0, 1), waiting.get(10, TimeUnit.SECONDS));
    }
}
