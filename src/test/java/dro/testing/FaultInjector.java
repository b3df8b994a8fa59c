package dro.testing;

import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.ScriptedOpenAiServer.Request;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * A responder for {@link ScriptedOpenAiServer} that answers like another one, with faults. For each request it draws
 * from a seeded sequence: with probability {@code failRate} the request fails, in equal shares with HTTP 429 (with
 * {@code Retry-After: 0}), HTTP 500, or a timeout (the real answer, delayed by {@code stall}, longer than the client
 * waits); with probability {@code garbleRate} it gets status 200 with a body that is not a chat completion (the real
 * body cut short, an HTML error page, or binary junk; for a stream, a cut event). Otherwise the real answer.
 *
 * <p>Requests draw in the order they arrive, so the number of each fault over a run depends only on the seed and on
 * how many requests the run makes. Thread-safe.
 */
public final class FaultInjector implements Function<Request, Reply> {

    /** What a request got. */
    public enum Fault { NONE, RATE_LIMIT, SERVER_ERROR, TIMEOUT, GARBLED }

    private final Function<Request, Reply> inner;
    private final double failRate;
    private final double garbleRate;
    private final Duration stall;
    private final Random random;
    private final Map<Fault, Integer> counts = new EnumMap<>(Fault.class);

    public FaultInjector(Function<Request, Reply> inner, double failRate, double garbleRate, Duration stall, long seed) {
        this.inner = inner;
        this.failRate = failRate;
        this.garbleRate = garbleRate;
        this.stall = stall;
        this.random = new Random(seed);
        for (Fault f : Fault.values()) {
            counts.put(f, 0);
        }
    }

    @Override
    public Reply apply(Request request) {
        Fault fault;
        int variant;
        int cutAt;
        synchronized (this) {
            double u = random.nextDouble();
            variant = random.nextInt(3);
            cutAt = random.nextInt(1 << 20);
            if (u < failRate) {
                fault = Fault.values()[1 + variant]; // RATE_LIMIT, SERVER_ERROR or TIMEOUT
            } else if (u < failRate + garbleRate) {
                fault = Fault.GARBLED;
            } else {
                fault = Fault.NONE;
            }
            counts.merge(fault, 1, Integer::sum);
        }
        return switch (fault) {
            case NONE -> inner.apply(request);
            case RATE_LIMIT -> Reply.error(429, "Rate limit reached, injected").withHeader("Retry-After", "0");
            case SERVER_ERROR -> Reply.error(500, "The server had an error, injected");
            case TIMEOUT -> inner.apply(request).withDelay(stall);
            case GARBLED -> garbled(request, variant, cutAt);
        };
    }

    private Reply garbled(Request request, int variant, int cutAt) {
        if (request.stream()) {
            String event = "data: {\"id\":\"chatcmpl-test\",\"object\":\"chat.completion.chunk\",\"choi";
            return Reply.raw(200, "text/event-stream", event.substring(0, 10 + cutAt % (event.length() - 10))
                    + "\n\n");
        }
        return switch (variant) {
            case 0 -> {
                String body = ScriptedOpenAiServer.completionBody(request, inner.apply(request));
                yield Reply.raw(200, "application/json", body.substring(0, 1 + cutAt % (body.length() - 2)));
            }
            case 1 -> Reply.raw(200, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
            default -> Reply.raw(200, "application/json", new String(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0x1a},
                    StandardCharsets.ISO_8859_1));
        };
    }

    /** How many requests got each fault so far. */
    public synchronized Map<Fault, Integer> counts() {
        return Map.copyOf(counts);
    }

    /** Requests answered with a fault so far. */
    public synchronized int faults() {
        return counts.entrySet().stream().filter(e -> e.getKey() != Fault.NONE).mapToInt(Map.Entry::getValue).sum();
    }
}
