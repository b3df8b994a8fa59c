package dro.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The bounded queue: a request for n answers at once takes n slots (at most all) and counts n against the queue. */
class AdmissionTest {

    @Test
    void aRequestForSeveralAnswersWeighsThatManySlotsAtMostAll() {
        Admission a = new Admission(4, 2);
        assertEquals(1, a.weight(1));
        assertEquals(3, a.weight(3));
        assertEquals(4, a.weight(9));
    }

    @Test
    void aHeavyRequestTakesItsSlotsAndCountsAgainstTheQueue() {
        Admission a = new Admission(2, 1);
        a.enter(Duration.ofSeconds(1), 2);
        assertEquals(2, a.busy());
        ServeError full = assertThrows(ServeError.class, () -> a.enter(Duration.ofSeconds(1), 2));
        assertEquals(429, full.status);
        assertEquals("queue_full", full.code);
        ServeError late = assertThrows(ServeError.class, () -> a.enter(Duration.ofMillis(1), 1));
        assertEquals(503, late.status, "it was queued, and no slot came free");
        a.leave(2);
        assertEquals(0, a.busy());
        a.enter(Duration.ofSeconds(1), 1);
        a.enter(Duration.ofSeconds(1), 1);
        assertEquals(2, a.busy());
        assertEquals(0, a.waiting());
    }
}
