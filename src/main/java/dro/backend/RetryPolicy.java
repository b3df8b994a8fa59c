package dro.backend;

import static dro.internal.Validation.ensureBetween;
import static dro.internal.Validation.ensureNotNull;

import dro.ApiException;
import dro.DroException;
import dro.InvalidRequestException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When and how often a request to an endpoint is tried again: the one retry policy of dro4j, used for API calls and
 * hub downloads alike.
 *
 * <h2>What is retried</h2>
 * Only a {@link DroException} whose {@link DroException#isRetriable()} is true: rate limits (429), server errors
 * (5xx), timeouts, broken connections and answers that are not a readable chat completion (garbled or truncated
 * bodies), interrupted downloads. Everything else (authentication, invalid request, unknown model) is thrown at once. After {@link #maxAttempts()} tries the last failure is thrown, its message
 * ending in {@code "; gave up after N attempts"}.
 *
 * <h2>How long it waits</h2>
 * If the endpoint said how long to wait ({@code Retry-After} in seconds or as an HTTP date, or OpenAI's
 * {@code retry-after-ms}), exactly that; a wait longer than {@link #maxRetryAfter()} is not waited for: the failure is
 * thrown at once. Otherwise exponential backoff: {@code initialBackoff × 2^(retry-1)}, at most {@code maxBackoff},
 * shortened by a random fraction of up to {@code jitter} so that concurrent callers spread out.
 *
 * <p>Immutable and thread-safe. The {@link Sleeper} and {@link Clock} are injectable so that tests need not wait.
 */
public final class RetryPolicy {

    private static final Logger log = LoggerFactory.getLogger(RetryPolicy.class);

    /** Waits; {@link #SYSTEM} sleeps the calling thread. */
    @FunctionalInterface
    public interface Sleeper {
        Sleeper SYSTEM = d -> Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));

        void sleep(Duration duration) throws InterruptedException;
    }

    /** Hears each retry before its wait (for progress displays); {@link #NONE} hears nothing. */
    @FunctionalInterface
    public interface Retrying {
        Retrying NONE = (failedAttempt, maxAttempts, cause, wait) -> { };

        /**
         * @param failedAttempt the attempt that failed, from 1
         * @param maxAttempts   tries in all
         * @param cause         its failure
         * @param wait          how long is waited before the next attempt
         */
        void retrying(int failedAttempt, int maxAttempts, DroException cause, Duration wait);
    }

    /** Three attempts, backoff from 0.5 s up to 8 s with 25% jitter, {@code Retry-After} honoured up to 60 s. */
    public static final RetryPolicy DEFAULT = builder().build();

    /** One attempt: nothing is retried. */
    public static final RetryPolicy NONE = builder().maxAttempts(1).build();

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration maxRetryAfter;
    private final double jitter;
    private final Sleeper sleeper;
    private final Clock clock;

    private RetryPolicy(Builder b) {
        this.maxAttempts = ensureBetween(b.maxAttempts, 1, 100, "maxAttempts");
        this.initialBackoff = nonNegative(b.initialBackoff, "initialBackoff");
        this.maxBackoff = nonNegative(b.maxBackoff, "maxBackoff");
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new InvalidRequestException("maxBackoff " + maxBackoff + " must not be shorter than initialBackoff "
                    + initialBackoff);
        }
        this.maxRetryAfter = nonNegative(b.maxRetryAfter, "maxRetryAfter");
        this.jitter = ensureBetween(b.jitter, 0.0, 1.0, "jitter");
        this.sleeper = ensureNotNull(b.sleeper, "sleeper");
        this.clock = ensureNotNull(b.clock, "clock");
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxAttempts = maxAttempts;
        b.initialBackoff = initialBackoff;
        b.maxBackoff = maxBackoff;
        b.maxRetryAfter = maxRetryAfter;
        b.jitter = jitter;
        b.sleeper = sleeper;
        b.clock = clock;
        return b;
    }

    /** Tries in all, the first included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration initialBackoff() {
        return initialBackoff;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** The longest {@code Retry-After} that is waited for. */
    public Duration maxRetryAfter() {
        return maxRetryAfter;
    }

    public double jitter() {
        return jitter;
    }

    /** The clock that HTTP-date {@code Retry-After} values are measured against. */
    public Clock clock() {
        return clock;
    }

    /**
     * Runs {@code call} until it succeeds, fails with an exception that is not retriable, or has been tried
     * {@link #maxAttempts()} times.
     *
     * @throws DroException the last failure; an {@link ApiException} after several tries reports their number
     */
    public <T> T execute(Supplier<T> call) {
        return execute(call, Retrying.NONE);
    }

    /**
     * As {@link #execute(Supplier)}, telling {@code retrying} of each retry before its wait.
     *
     * @throws DroException the last failure; an {@link ApiException} after several tries reports their number
     */
    public <T> T execute(Supplier<T> call, Retrying retrying) {
        return execute(call, retrying, DroException::retryAfter);
    }

    /**
     * As {@link #execute(Supplier, Retrying)}, the wait a failure asks for given by {@code askedWait} instead of its
     * {@link DroException#retryAfter()} (a router asks for the time until one of its endpoints is awake).
     */
    <T> T execute(Supplier<T> call, Retrying retrying, Function<DroException, Optional<Duration>> askedWait) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (DroException e) {
                if (!e.isRetriable()) {
                    throw attempt == 1 ? e : afterAttempts(e, attempt);
                }
                if (attempt >= maxAttempts) {
                    throw afterAttempts(e, attempt);
                }
                Optional<Duration> asked = askedWait.apply(e);
                if (asked.isPresent() && asked.get().compareTo(maxRetryAfter) > 0) {
                    log.warn("{}; the endpoint asks to wait {} s, longer than maxRetryAfter {} s: not retrying",
                            e.getMessage(), asked.get().toSeconds(), maxRetryAfter.toSeconds());
                    throw afterAttempts(e, attempt);
                }
                Duration wait = asked.isPresent() ? asked.get()
                        : backoff(attempt, ThreadLocalRandom.current().nextDouble());
                log.warn("{}; retrying in {} ms (attempt {} of {})", e.getMessage(), wait.toMillis(), attempt + 1,
                        maxAttempts);
                retrying.retrying(attempt, maxAttempts, e, wait);
                try {
                    sleeper.sleep(wait);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw afterAttempts(e, attempt);
                }
            }
        }
    }

    /**
     * The backoff before retry number {@code retry} (1 for the first retry), for a uniform random {@code u} in
     * [0, 1): {@code min(maxBackoff, initialBackoff × 2^(retry-1)) × (1 - jitter × u)}.
     */
    Duration backoff(int retry, double u) {
        double base = initialBackoff.toNanos() * Math.pow(2, Math.min(retry - 1, 62));
        double capped = Math.min(base, maxBackoff.toNanos());
        return Duration.ofNanos((long) (capped * (1 - jitter * u)));
    }

    private static DroException afterAttempts(DroException e, int attempts) {
        return e instanceof ApiException a && attempts > 1 ? a.afterAttempts(attempts) : e;
    }

    /**
     * A {@code Retry-After} value as a wait from now: delay seconds ({@code "7"}, {@code "1.5"}) or an HTTP date
     * ({@code "Wed, 21 Oct 2015 07:28:00 GMT"}; a date in the past is no wait). Empty if the value is neither.
     */
    public static Optional<Duration> parseRetryAfter(String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.strip();
        try {
            double seconds = Double.parseDouble(v);
            if (seconds >= 0 && !Double.isInfinite(seconds)) {
                return Optional.of(Duration.ofMillis(Math.round(seconds * 1000)));
            }
            return Optional.empty();
        } catch (NumberFormatException notANumber) {
            // an HTTP date, perhaps
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration d = Duration.between(clock.instant(), at.toInstant());
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** {@code retry-after-ms} (milliseconds, OpenAI's own), then {@code Retry-After}. */
    public static Optional<Duration> parseRetryAfter(String retryAfterMs, String retryAfter, Clock clock) {
        if (retryAfterMs != null && !retryAfterMs.isBlank()) {
            try {
                double ms = Double.parseDouble(retryAfterMs.strip());
                if (ms >= 0 && !Double.isInfinite(ms)) {
                    return Optional.of(Duration.ofNanos(Math.round(ms * 1_000_000)));
                }
            } catch (NumberFormatException ignored) {
                // fall back to Retry-After
            }
        }
        return parseRetryAfter(retryAfter, clock);
    }

    private static Duration nonNegative(Duration d, String name) {
        ensureNotNull(d, name);
        if (d.isNegative()) {
            throw new InvalidRequestException(name + " must not be negative, but was " + d);
        }
        return d;
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff + ", maxBackoff="
                + maxBackoff + ", maxRetryAfter=" + maxRetryAfter + ", jitter=" + jitter + "}";
    }

    /** Collects settings; {@link #build()} validates them. */
    public static final class Builder {
        private int maxAttempts = 3;
        private Duration initialBackoff = Duration.ofMillis(500);
        private Duration maxBackoff = Duration.ofSeconds(8);
        private Duration maxRetryAfter = Duration.ofSeconds(60);
        private double jitter = 0.25;
        private Sleeper sleeper = Sleeper.SYSTEM;
        private Clock clock = Clock.systemUTC();

        private Builder() { }

        /** Tries in all, 1 to 100 (1: no retries); default 3. */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** The wait before the first retry when the endpoint did not say; default 0.5 s. */
        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
            return this;
        }

        /** The longest backoff; default 8 s. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
            return this;
        }

        /** The longest {@code Retry-After} waited for; a longer one fails at once. Default 60 s. */
        public Builder maxRetryAfter(Duration maxRetryAfter) {
            this.maxRetryAfter = maxRetryAfter;
            return this;
        }

        /** The largest fraction, 0 to 1, by which a backoff is randomly shortened; default 0.25. */
        public Builder jitter(double jitter) {
            this.jitter = jitter;
            return this;
        }

        /** How waiting is done (tests record the waits instead). */
        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = sleeper;
            return this;
        }

        /** The clock HTTP-date {@code Retry-After} values are measured against. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * @throws InvalidRequestException naming the first setting out of range
         */
        public RetryPolicy build() {
            return new RetryPolicy(this);
        }
    }
}
