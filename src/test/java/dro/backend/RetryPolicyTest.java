package dro.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.AuthenticationException;
import dro.GenerationException;
import dro.InvalidRequestException;
import dro.RateLimitException;
import dro.ServerErrorException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    final List<Duration> sleeps = new ArrayList<>();
    final RetryPolicy policy = RetryPolicy.builder().sleeper(sleeps::add).build();

    static ServerErrorException serverError() {
        return new ServerErrorException("HTTP 500 from x: boom", 500, "boom", null, null);
    }

    @Test
    void backoffDoublesFromTheInitialDelayUpToTheMaximumAndJitterOnlyShortensIt() {
        assertEquals(Duration.ofMillis(500), policy.backoff(1, 0));
        assertEquals(Duration.ofMillis(1000), policy.backoff(2, 0));
        assertEquals(Duration.ofMillis(2000), policy.backoff(3, 0));
        assertEquals(Duration.ofSeconds(8), policy.backoff(5, 0));
        assertEquals(Duration.ofSeconds(8), policy.backoff(100, 0));
        assertEquals(Duration.ofMillis(375), policy.backoff(1, 1.0));
        assertEquals(Duration.ofMillis(875), policy.backoff(2, 0.5));
    }

    @Test
    void retriesRetriableFailuresAndReturnsTheFirstSuccess() {
        AtomicInteger calls = new AtomicInteger();
        String result = policy.execute(() -> {
            if (calls.incrementAndGet() < 3) {
                throw serverError();
            }
            return "ok";
        });
        assertEquals("ok", result);
        assertEquals(3, calls.get());
        assertEquals(2, sleeps.size());
    }

    @Test
    void throwsANonRetriableFailureAtOnce() {
        AuthenticationException refused = new AuthenticationException("HTTP 401 from x: no", 401, "no", null, null);
        AtomicInteger calls = new AtomicInteger();
        assertSame(refused, assertThrows(AuthenticationException.class, () -> policy.execute(() -> {
            calls.incrementAndGet();
            throw refused;
        })));
        assertEquals(1, calls.get());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void afterTheLastAttemptTheFailureSaysHowManyThereWere() {
        ServerErrorException e = assertThrows(ServerErrorException.class, () -> policy.execute(() -> {
            throw serverError();
        }));
        assertEquals("HTTP 500 from x: boom; gave up after 3 attempts", e.getMessage());
        assertEquals(3, e.attempts());
        assertEquals("boom", e.endpointMessage());
        assertEquals("HTTP 500 from x: boom", e.getCause().getMessage());
    }

    @Test
    void aRetriableFailureThatIsNotFromAnEndpointIsRethrownUnchanged() {
        GenerationException busy = new GenerationException("busy", null, true);
        assertSame(busy, assertThrows(GenerationException.class, () -> policy.execute(() -> {
            throw busy;
        })));
        assertEquals(2, sleeps.size());
    }

    @Test
    void waitsExactlyAsLongAsTheEndpointAsked() {
        AtomicInteger calls = new AtomicInteger();
        policy.execute(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new RateLimitException("HTTP 429", 429, "", Duration.ofMillis(2500), null);
            }
            return null;
        });
        assertEquals(List.of(Duration.ofMillis(2500)), sleeps);
    }

    @Test
    void oneAttemptMeansNoRetry() {
        AtomicInteger calls = new AtomicInteger();
        ServerErrorException e = assertThrows(ServerErrorException.class,
                () -> policy.toBuilder().maxAttempts(1).build().execute(() -> {
                    calls.incrementAndGet();
                    throw serverError();
                }));
        assertEquals("HTTP 500 from x: boom", e.getMessage());
        assertEquals(1, calls.get());
    }

    @Test
    void anInterruptedWaitStopsRetryingAndKeepsTheInterruptFlag() {
        RetryPolicy interrupted = policy.toBuilder().sleeper(d -> {
            throw new InterruptedException();
        }).build();
        try {
            ServerErrorException e = assertThrows(ServerErrorException.class, () -> interrupted.execute(() -> {
                throw serverError();
            }));
            assertEquals(1, e.attempts());
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void parsesRetryAfterAsSecondsOrAnHttpDate() {
        Clock clock = Clock.fixed(Instant.parse("2015-10-21T07:27:00Z"), ZoneOffset.UTC);
        assertEquals(Optional.of(Duration.ofSeconds(7)), RetryPolicy.parseRetryAfter("7", clock));
        assertEquals(Optional.of(Duration.ofMillis(1500)), RetryPolicy.parseRetryAfter(" 1.5 ", clock));
        assertEquals(Optional.of(Duration.ofSeconds(60)),
                RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", clock));
        assertEquals(Optional.of(Duration.ZERO), RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", clock),
                "a date in the past means now");
        assertEquals(Optional.empty(), RetryPolicy.parseRetryAfter("soon", clock));
        assertEquals(Optional.empty(), RetryPolicy.parseRetryAfter("-3", clock));
        assertEquals(Optional.empty(), RetryPolicy.parseRetryAfter(null, clock));
        assertEquals(Optional.of(Duration.ofMillis(250)), RetryPolicy.parseRetryAfter("250", "9", clock));
        assertEquals(Optional.of(Duration.ofSeconds(9)), RetryPolicy.parseRetryAfter("x", "9", clock));
    }

    @Test
    void rejectsSettingsOutOfRangeNamingThem() {
        assertEquals("maxAttempts must be between 1 and 100, but was 0", assertThrows(InvalidRequestException.class,
                () -> RetryPolicy.builder().maxAttempts(0).build()).getMessage());
        assertEquals("jitter must be between 0.0 and 1.0, but was 1.5", assertThrows(InvalidRequestException.class,
                () -> RetryPolicy.builder().jitter(1.5).build()).getMessage());
        assertEquals("initialBackoff must not be negative, but was PT-1S", assertThrows(
                InvalidRequestException.class, () -> RetryPolicy.builder().initialBackoff(Duration.ofSeconds(-1))
                        .build()).getMessage());
        assertEquals("maxBackoff PT0.1S must not be shorter than initialBackoff PT0.5S", assertThrows(
                InvalidRequestException.class, () -> RetryPolicy.builder().maxBackoff(Duration.ofMillis(100))
                        .build()).getMessage());
    }
}
