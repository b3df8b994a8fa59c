package dro.backend.internal;

import dro.backend.ScriptedChatModel;
import dro.backend.UsageTally;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import dro.ServerErrorException;
import dro.TokenStream;
import dro.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class UsageAccountingTest {

    @Test
    void sumsCallsAndTokensOfAnsweredRequests() {
        ScriptedChatModel fake = new ScriptedChatModel("m1")
                .thenAnswer("a", new Usage(7, 2, 5))
                .thenAnswer("b", new Usage(11, 4, -1));
        UsageAccounting acc = new UsageAccounting(fake);
        acc.chat(ScriptedChatModel.request("q1"));
        acc.chat(ScriptedChatModel.request("q2"));
        assertEquals(new UsageTally.Totals(2, 18, 6, 5), acc.totals());
        assertEquals(24, acc.totals().tokens());
    }

    @Test
    void aFailedCallAddsNothing() {
        ScriptedChatModel fake = new ScriptedChatModel("m1").thenFail(new InvalidRequestException("bad"));
        UsageAccounting acc = new UsageAccounting(fake);
        assertThrows(InvalidRequestException.class, () -> acc.chat(ScriptedChatModel.request("q")));
        assertEquals(UsageTally.Totals.NONE, acc.totals());
    }

    @Test
    void batchesCountEveryRequest() {
        UsageAccounting acc = new UsageAccounting(new ScriptedChatModel("m1"));
        acc.chatAll(List.of(ScriptedChatModel.request("a"), ScriptedChatModel.request("b"),
                ScriptedChatModel.request("c")));
        assertEquals(new UsageTally.Totals(3, 30, 9, 0), acc.totals());
    }

    @Test
    void aSharedLedgerReportsEachModelApartAndTheirSum() {
        UsageAccounting.Ledger ledger = new UsageAccounting.Ledger();
        UsageAccounting judge = new UsageAccounting(new ScriptedChatModel("judge-model"), ledger);
        UsageAccounting policy = new UsageAccounting(new ScriptedChatModel("policy-model"), ledger);
        judge.chat(ScriptedChatModel.request("x"));
        policy.chat(ScriptedChatModel.request("y"));
        policy.chat(ScriptedChatModel.request("z"));
        Map<String, UsageTally.Totals> by = ledger.byModel();
        assertEquals(List.of("judge-model", "policy-model"), new ArrayList<>(by.keySet()));
        assertEquals(new UsageTally.Totals(1, 10, 3, 0), by.get("judge-model"));
        assertEquals(new UsageTally.Totals(2, 20, 6, 0), by.get("policy-model"));
        assertEquals(new UsageTally.Totals(3, 30, 9, 0), ledger.total());
        assertSame(ledger, judge.ledger());
    }

    @Test
    void countsExactlyUnderConcurrentCalls() throws Exception {
        UsageAccounting acc = new UsageAccounting(new ScriptedChatModel("m1"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int k = i;
                fs.add(pool.submit(() -> acc.chat(ScriptedChatModel.request("q" + k))));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(new UsageTally.Totals(400, 4000, 1200, 0), acc.totals());
    }

    @Test
    void aStreamCountsWhenItEndsWithTheUsageItsEndReports() {
        UsageAccounting acc = new UsageAccounting(new ScriptedChatModel("m1").thenAnswer("abc", new Usage(7, 3, 5)));
        try (TokenStream s = acc.stream(ScriptedChatModel.request("q"))) {
            assertEquals("a", s.next());
            assertEquals(UsageTally.Totals.NONE, acc.totals(), "not counted before its end");
            s.forEachRemaining(p -> { });
            assertEquals(new UsageTally.Totals(1, 7, 3, 5), acc.totals());
        }
        assertEquals(new UsageTally.Totals(1, 7, 3, 5), acc.totals(), "closing an ended stream counts nothing more");
    }

    @Test
    void aCancelledStreamCountsWhatItGeneratedAndABrokenOneNothing() {
        UsageAccounting acc = new UsageAccounting(new ScriptedChatModel("m1").thenAnswer("abcdef", new Usage(7, 6, -1))
                .thenBreakStream("xy", new ServerErrorException("HTTP 502", 502, "gone", null, null)));
        try (TokenStream s = acc.stream(ScriptedChatModel.request("q"))) {
            s.next();
            s.next();
            s.cancel();
            assertFalse(s.hasNext());
        }
        assertEquals(new UsageTally.Totals(1, 7, 2, 0), acc.totals(), "two pieces, one token each");
        try (TokenStream s = acc.stream(ScriptedChatModel.request("q"))) {
            assertThrows(ServerErrorException.class, () -> s.forEachRemaining(p -> { }));
        }
        assertEquals(new UsageTally.Totals(1, 7, 2, 0), acc.totals(), "a stream that failed adds nothing");
    }

    @Test
    void forwardsNameCapabilitiesAndClose() {
        ScriptedChatModel fake = new ScriptedChatModel("m1");
        UsageAccounting acc = new UsageAccounting(fake);
        assertEquals("m1", acc.modelName());
        assertEquals(fake.capabilities(), acc.capabilities());
        assertSame(fake, acc.delegate());
        acc.close();
        assertTrue(fake.closed);
    }

    @Test
    void refusesANullModelOrLedger() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> new UsageAccounting(null));
        assertTrue(e.getMessage().contains("delegate"), e.getMessage());
        InvalidRequestException e2 = assertThrows(InvalidRequestException.class,
                () -> new UsageAccounting(new ScriptedChatModel("m"), null));
        assertTrue(e2.getMessage().contains("ledger"), e2.getMessage());
    }
}
