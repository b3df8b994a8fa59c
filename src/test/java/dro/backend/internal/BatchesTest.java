package dro.backend.internal;

import dro.backend.ScriptedChatModel;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.DroException;
import dro.FinishReason;
import dro.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rounds of {@link Batches} over a hand-written {@link BatchApi} (the HTTP side is in EvalBatchTest). */
class BatchesTest {

    @TempDir
    Path tmp;

    /** Answers every line with "batch: <user>"; its status fails while {@code down}. */
    static final class FakeApi implements BatchApi {
        final Map<String, List<Line>> batches = new LinkedHashMap<>();
        boolean down;

        @Override
        public String modelName() {
            return "m";
        }

        @Override
        public String submit(List<Line> lines) {
            String id = "b" + (batches.size() + 1);
            batches.put(id, List.copyOf(lines));
            return id;
        }

        @Override
        public Status status(String batchId) {
            if (down) {
                throw new DroException("connection refused");
            }
            int n = batches.get(batchId).size();
            return new Status(batchId, "completed", n, 0, n, true);
        }

        @Override
        public Map<String, Outcome> outcomes(String batchId) {
            Map<String, Outcome> out = new LinkedHashMap<>();
            for (Line l : batches.get(batchId)) {
                out.put(l.customId(), new Outcome(new ChatModelResponse(List.of("batch: " + l.request().user()),
                        new Usage(7, 2, -1), List.of(FinishReason.STOP)), null));
            }
            return out;
        }
    }

    @Test
    void aRunFindsTheBatchesThatWrappedItsModelsUnderAnyDecoratorAndRefusesTwo() {
        Batches batches = new Batches(tmp.resolve("batches.json"), Duration.ZERO, Batches.Listener.NONE);
        ScriptedChatModel local = new ScriptedChatModel("local");
        ChatModel wrapped = batches.wrap(new ScriptedChatModel("m"), new FakeApi());
        ChatModel decorated = new UsageAccounting(wrapped, new UsageAccounting.Ledger());

        assertEquals(batches, Batches.of(local, null, decorated));
        assertEquals(null, Batches.of(local, new ScriptedChatModel("other")));
        Batches other = new Batches(tmp.resolve("other.json"), Duration.ZERO, Batches.Listener.NONE);
        ChatModel second = other.wrap(new ScriptedChatModel("m"), new FakeApi());
        assertEquals("The models of one run are wrapped by two different batches; wrap them all with one",
                assertThrows(dro.InvalidRequestException.class, () -> Batches.of(wrapped, second)).getMessage());
    }

    @Test
    void aRequestABatchAnsweredOnceIsSentDirectlyWhenAskedAgain() {
        FakeApi api = new FakeApi();
        ScriptedChatModel direct = new ScriptedChatModel("m");
        Batches batches = new Batches(tmp.resolve("batches.json"), Duration.ZERO, Batches.Listener.NONE);
        ChatModel m = batches.wrap(direct, api);
        ChatModelRequest a = ScriptedChatModel.request("a");

        String r = batches.run(() -> m.chat(a).text() + " | " + m.chat(a).text());

        assertEquals("batch: a | echo: a", r);
        assertEquals(1, api.batches.size());
        assertEquals(1, direct.received.size());
        assertEquals(List.of("b1"), batches.batchIds());
    }

    @Test
    void equalRequestsInOneRoundAreOneLineWhoseAnswerGoesToTheFirst() {
        FakeApi api = new FakeApi();
        ScriptedChatModel direct = new ScriptedChatModel("m");
        Batches batches = new Batches(tmp.resolve("batches.json"), Duration.ZERO, Batches.Listener.NONE);
        ChatModel m = batches.wrap(direct, api);
        ChatModelRequest a = ScriptedChatModel.request("a");

        List<String> r = batches.run(() -> dro.internal.Parallel.map(2, i -> m.chat(a).text(), null));

        // a run's recording answers equal calls at one site from the first; equal calls at two sites are two samples
        assertEquals(List.of("batch: a", "echo: a"), r);
        assertEquals(1, api.batches.get("b1").size());
        assertEquals(1, direct.received.size());
    }

    @Test
    void aRunStartedAgainPollsTheBatchesOfItsLedgerInsteadOfSubmittingAgain() throws Exception {
        FakeApi api = new FakeApi();
        Path ledger = tmp.resolve("batches.json");
        ChatModelRequest a = ScriptedChatModel.request("a");
        Batches first = new Batches(ledger, Duration.ZERO, Batches.Listener.NONE);
        ChatModel m1 = first.wrap(new ScriptedChatModel("m"), api);
        api.down = true;

        DroException e = assertThrows(DroException.class, () -> first.run(() -> m1.chat(a).text()));
        assertEquals("connection refused", e.getMessage());
        assertTrue(Files.readString(ledger).contains("\"id\" : \"b1\""), Files.readString(ledger));

        api.down = false;
        Batches again = new Batches(ledger, Duration.ZERO, Batches.Listener.NONE);
        ChatModel m2 = again.wrap(new ScriptedChatModel("m"), api);

        assertEquals("batch: a", again.run(() -> m2.chat(a).text()));
        assertEquals(1, api.batches.size(), "no new batch");
        assertEquals(List.of("b1"), again.batchIds());
        assertTrue(Files.readString(ledger).contains("\"used\" : true"), Files.readString(ledger));
    }

    @Test
    void anUnreadableLedgerIsAClearError() throws Exception {
        Path ledger = Files.writeString(tmp.resolve("batches.json"), "{not json");

        DroException e = assertThrows(DroException.class, () -> new Batches(ledger, Duration.ZERO,
                Batches.Listener.NONE));
        assertTrue(e.getMessage().startsWith("Cannot read the batch ledger " + ledger), e.getMessage());
    }
}
