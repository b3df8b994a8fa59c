package dro.roles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dro.BudgetExceededException;
import dro.ServerErrorException;
import dro.Usage;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.RetryingChatModel;
import dro.backend.ScriptedChatModel;
import dro.backend.internal.UsageAccounting;
import dro.backend.UsageTally;
import dro.internal.Digests;
import dro.backend.RetryPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingChatModelTest {

    @TempDir
    Path tmp;

    private final RetryPolicy policy = RetryPolicy.builder().initialBackoff(Duration.ZERO).maxBackoff(Duration.ZERO)
            .sleeper(d -> { }).build();

    private static ChatModelRequest request() {
        return ChatModelRequest.builder("sys", "q").temperature(0.5).topP(0.9).maxNewTokens(64).seed(7L)
                .stop("<END>").build();
    }

    private static ServerErrorException busy() {
        return new ServerErrorException("HTTP 503", 503, "busy", null, null);
    }

    /** Every file under {@code dir}, by relative path, with its text. */
    private static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.readString(p));
            }
        }
        return out;
    }

    @Test
    void aRecordedCallIsAnsweredFromDiskInALaterRunWithoutCallingTheModel() {
        ScriptedChatModel first = new ScriptedChatModel("m").thenAnswer("recorded", new Usage(5, 2, -1));
        assertEquals("recorded", new CallCache(tmp, Long.MAX_VALUE).record(first, "judge").at("L1").chat(request())
                .text());
        ScriptedChatModel second = new ScriptedChatModel("m");
        CallCache again = new CallCache(tmp, Long.MAX_VALUE);
        assertEquals("recorded", again.record(second, "judge").at("L1").chat(request()).text());
        assertEquals(0, second.received.size());
        assertEquals(1, again.stats().reused());
        assertEquals(0, again.stats().made());
    }

    @Test
    void theRecordKeepsTheKeyAndFileNameOfEarlierRuns() throws IOException {
        CallCache calls = new CallCache(tmp, Long.MAX_VALUE);
        calls.record(new ScriptedChatModel("m").thenAnswer("a", new Usage(5, 2, -1)), "judge").at("L1")
                .chat(request());
        String key = "{\"role\":\"judge\",\"site\":\"L1\",\"request\":{\"system\":\"sys\",\"user\":\"q\","
                + "\"temperature\":0.5,\"topP\":0.9,\"maxTokens\":64,\"n\":1,\"seed\":7,\"jsonMode\":false,"
                + "\"stop\":[\"<END>\"]}}";
        String hash = Digests.sha256Hex(key);
        String expectedRecord = key.substring(0, key.length() - 1)
                + ",\"response\":{\"choices\":[\"a\"],\"finish_reasons\":[\"STOP\"],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}}";
        assertEquals(Map.of(hash.substring(0, 2) + "/" + hash + ".json", expectedRecord), files(tmp));
    }

    @Test
    void theSameRequestAtTwoSitesIsTwoCallsAndTwoRoleNamesAreTwoCalls() throws IOException {
        ScriptedChatModel fake = new ScriptedChatModel("m");
        CallCache calls = new CallCache(tmp, Long.MAX_VALUE);
        RecordingChatModel judge = calls.record(fake, "judge");
        judge.at("a").chat(request());
        judge.at("b").chat(request());
        judge.at("a").chat(request());
        calls.record(fake, "optimizer").at("a").chat(request());
        assertEquals(3, fake.received.size());
        assertEquals(3, files(tmp).size());
        assertEquals(Map.of("judge", 2, "optimizer", 1), calls.stats().madeByRole());
    }

    @Test
    void newCallsStopWhenTheBudgetIsSpentButRecordedOnesAreStillAnswered() {
        ScriptedChatModel fake = new ScriptedChatModel("m"); // 13 tokens a call
        CallCache calls = new CallCache(tmp, 20);
        RecordingChatModel judge = calls.record(fake, "judge");
        judge.at("1").chat(request());
        judge.at("2").chat(request());
        BudgetExceededException e = assertThrows(BudgetExceededException.class,
                () -> judge.at("3").chat(request()));
        assertEquals("The token budget of 20 is spent (26 tokens in 2 calls); run again with a larger budget to"
                + " resume where it stopped", e.getMessage());
        assertEquals(2, fake.received.size());
        assertEquals("echo: q", judge.at("1").chat(request()).text());
        assertEquals(2, fake.received.size());
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} finds what older runs recorded as {1}")
    @org.junit.jupiter.params.provider.CsvSource({"base, policy", "metrics, aspect_selector",
            "critic_metrics, critic_aspect_selector"})
    void aCallRecordedUnderARolesFormerNameIsFoundUnderItsName(String name, String former) {
        ScriptedChatModel older = new ScriptedChatModel("m").thenAnswer("recorded before", new Usage(4, 1, -1));
        new CallCache(tmp, Long.MAX_VALUE).record(older, former).at("s").chat(request());
        ScriptedChatModel now = new ScriptedChatModel("m");
        CallCache calls = new CallCache(tmp, Long.MAX_VALUE);
        assertEquals("recorded before", calls.record(now, name).at("s").chat(request()).text());
        assertEquals(0, now.received.size());
        assertEquals(1, calls.stats().reused());
        assertEquals(0, calls.stats().made());
    }

    @Test
    void aRoleWithoutAFormerNameReadsNoOtherRolesRecords() {
        new CallCache(tmp, Long.MAX_VALUE).record(new ScriptedChatModel("m"), "policy").chat(request());
        ScriptedChatModel judge = new ScriptedChatModel("m");
        new CallCache(tmp, Long.MAX_VALUE).record(judge, "judge").chat(request());
        assertEquals(1, judge.received.size());
    }

    @Test
    void rolesOnDifferentModelsShareTheRunsBudget() {
        CallCache calls = new CallCache(tmp, 13);
        calls.record(new ScriptedChatModel("policy-model"), "policy").chat(request());
        ScriptedChatModel judgeModel = new ScriptedChatModel("judge-model");
        assertThrows(BudgetExceededException.class, () -> calls.record(judgeModel, "judge").chat(request()));
        assertEquals(0, judgeModel.received.size());
        assertEquals(13, calls.budget().spent());
    }

    @Test
    void recordingOverRetryingAndRetryingOverRecordingRecordTheSameCalls() throws IOException {
        Path one = tmp.resolve("one");
        Path two = tmp.resolve("two");
        ScriptedChatModel f1 = new ScriptedChatModel("m").thenFail(busy()).thenAnswer("ok", new Usage(4, 1, -1));
        ChatModel recordingOverRetrying = new CallCache(one, Long.MAX_VALUE)
                .record(new RetryingChatModel(f1, policy), "judge").at("s");
        ScriptedChatModel f2 = new ScriptedChatModel("m").thenFail(busy()).thenAnswer("ok", new Usage(4, 1, -1));
        ChatModel retryingOverRecording = new RetryingChatModel(
                new CallCache(two, Long.MAX_VALUE).record(f2, "judge").at("s"), policy);
        assertEquals("ok", recordingOverRetrying.chat(request()).text());
        assertEquals("ok", retryingOverRecording.chat(request()).text());
        assertEquals(2, f1.received.size());
        assertEquals(2, f2.received.size());
        Map<String, String> recorded = files(one);
        assertEquals(1, recorded.size());
        assertEquals(recorded, files(two));
    }

    @Test
    void usageAccountingUnderTheRecordingCountsOnlyNewCallsAndOverItCountsEveryAnswer() {
        CallCache calls = new CallCache(tmp, Long.MAX_VALUE);
        UsageAccounting under = new UsageAccounting(new ScriptedChatModel("m"));
        UsageAccounting over = new UsageAccounting(calls.record(under, "judge"));
        over.chat(request());
        over.chat(request());
        assertEquals(new UsageTally.Totals(1, 10, 3, 0), under.totals());
        assertEquals(new UsageTally.Totals(2, 20, 6, 0), over.totals());
    }
}
