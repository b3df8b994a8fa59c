package dro.backend;

import dro.backend.internal.UsageAccounting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.BadRequestException;
import dro.RateLimitException;
import dro.ServerErrorException;
import dro.Usage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryingChatModelTest {

    private final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
    private final RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).initialBackoff(Duration.ofMillis(100))
            .maxBackoff(Duration.ofSeconds(1)).jitter(0).sleeper(waits::add).build();

    private static ServerErrorException serverError() {
        return new ServerErrorException("HTTP 503", 503, "busy", null, null);
    }

    @Test
    void retriesRetriableFailuresThenReturnsTheAnswer() {
        ScriptedChatModel fake = new ScriptedChatModel("m").thenFail(serverError()).thenFail(serverError())
                .thenAnswer("ok", new Usage(1, 1, -1));
        RetryingChatModel m = new RetryingChatModel(fake, policy);
        assertEquals("ok", m.chat(ScriptedChatModel.request("q")).text());
        assertEquals(3, fake.received.size());
        assertEquals(List.of(Duration.ofMillis(100), Duration.ofMillis(200)), waits);
    }

    @Test
    void aFailureThatIsNotRetriableStopsAtOnce() {
        ScriptedChatModel fake = new ScriptedChatModel("m")
                .thenFail(new BadRequestException("HTTP 400", 400, "no", null, null));
        RetryingChatModel m = new RetryingChatModel(fake, policy);
        assertThrows(BadRequestException.class, () -> m.chat(ScriptedChatModel.request("q")));
        assertEquals(1, fake.received.size());
        assertEquals(List.of(), waits);
    }

    @Test
    void waitsWhatRetryAfterAsks() {
        ScriptedChatModel fake = new ScriptedChatModel("m")
                .thenFail(new RateLimitException("HTTP 429", 429, "slow down", Duration.ofSeconds(7), null))
                .thenAnswer("ok", new Usage(1, 1, -1));
        RetryingChatModel m = new RetryingChatModel(fake, policy);
        assertEquals("ok", m.chat(ScriptedChatModel.request("q")).text());
        assertEquals(List.of(Duration.ofSeconds(7)), waits);
    }

    @Test
    void givesUpAfterMaxAttemptsSayingHowMany() {
        ScriptedChatModel fake = new ScriptedChatModel("m").thenFail(serverError()).thenFail(serverError())
                .thenFail(serverError());
        RetryingChatModel m = new RetryingChatModel(fake, policy);
        ServerErrorException e = assertThrows(ServerErrorException.class,
                () -> m.chat(ScriptedChatModel.request("q")));
        assertEquals(3, fake.received.size());
        assertTrue(e.getMessage().endsWith("gave up after 3 attempts"), e.getMessage());
    }

    @Test
    void aBatchThatFailsIsRetriedRequestByRequest() {
        ScriptedChatModel fake = new ScriptedChatModel("m").thenFail(serverError());
        RetryingChatModel m = new RetryingChatModel(fake, policy);
        List<ChatModelResponse> rs = m.chatAll(List.of(ScriptedChatModel.request("a"),
                ScriptedChatModel.request("b")));
        assertEquals(List.of("echo: a", "echo: b"), rs.stream().map(ChatModelResponse::text).toList());
        // the default batch hook ran "a" (failed), then "a" and "b" one by one
        assertEquals(List.of("a", "a", "b"), fake.received.stream().map(ChatModelRequest::user).toList());
    }

    @Test
    void withAKnownConcurrencyABatchRetriesOnlyTheRequestThatFailed() {
        ScriptedChatModel fake = new ScriptedChatModel("m").thenAnswer("first", new Usage(1, 1, -1))
                .thenFail(serverError());
        RetryingChatModel m = new RetryingChatModel(fake, policy, 1);
        List<ChatModelResponse> rs = m.chatAll(List.of(ScriptedChatModel.request("a"),
                ScriptedChatModel.request("b")));
        assertEquals(List.of("first", "echo: b"), rs.stream().map(ChatModelResponse::text).toList());
        // "a" is asked once; without a known concurrency the batch would be asked again whole: a, b, a, b
        assertEquals(List.of("a", "b", "b"), fake.received.stream().map(ChatModelRequest::user).toList());
        assertEquals("concurrency must be between 1 and 256, but was 0", assertThrows(
                dro.InvalidRequestException.class, () -> new RetryingChatModel(fake, policy, 0)).getMessage());
    }

    @Test
    void composesWithUsageAccountingInEitherOrder() {
        ScriptedChatModel inner1 = new ScriptedChatModel("m").thenFail(serverError());
        UsageAccounting outside = new UsageAccounting(new RetryingChatModel(inner1, policy));
        outside.chat(ScriptedChatModel.request("q"));
        ScriptedChatModel inner2 = new ScriptedChatModel("m").thenFail(serverError());
        UsageAccounting inside = new UsageAccounting(inner2);
        new RetryingChatModel(inside, policy).chat(ScriptedChatModel.request("q"));
        // a failed attempt spends nothing, so both orders count one call of 10 + 3 tokens
        assertEquals(new UsageTally.Totals(1, 10, 3, 0), outside.totals());
        assertEquals(outside.totals(), inside.totals());
        assertEquals(2, inner1.received.size());
        assertEquals(2, inner2.received.size());
    }
}
