package dro.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
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
}
