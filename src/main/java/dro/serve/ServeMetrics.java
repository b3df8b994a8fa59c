package dro.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The server's metrics in Micrometer, scraped as Prometheus text at {@code /metrics}:
 * {@code dro_serve_requests_total{status}}, {@code dro_serve_tokens_total{kind="prompt"|"completion"}},
 * {@code dro_serve_request_duration_seconds} and {@code dro_serve_time_to_first_token_seconds} (histograms),
 * {@code dro_serve_queue_depth} and {@code dro_serve_slots_busy}. Thread-safe.
 */
final class ServeMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final Timer latency;
    private final Timer ttft;

    ServeMetrics(Admission admission) {
        promptTokens = Counter.builder("dro.serve.tokens").tag("kind", "prompt")
                .description("Prompt tokens read by the model").register(registry);
        completionTokens = Counter.builder("dro.serve.tokens").tag("kind", "completion")
                .description("Tokens generated").register(registry);
        latency = Timer.builder("dro.serve.request.duration").description("Time from request to last byte")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10)).register(registry);
        ttft = Timer.builder("dro.serve.time.to.first.token")
                .description("Time from request to the first streamed piece of text")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10)).register(registry);
        Gauge.builder("dro.serve.queue.depth", admission, Admission::waiting)
                .description("Requests waiting for a slot").register(registry);
        Gauge.builder("dro.serve.slots.busy", admission, Admission::busy)
                .description("Slots generating").register(registry);
    }

    void request(int status, long nanos) {
        Counter.builder("dro.serve.requests").tag("status", Integer.toString(status))
                .description("Chat completion requests answered, by HTTP status").register(registry).increment();
        latency.record(Duration.ofNanos(nanos));
    }

    void tokens(int prompt, int completion) {
        promptTokens.increment(prompt);
        completionTokens.increment(completion);
    }

    void firstToken(long nanos) {
        ttft.record(Duration.ofNanos(nanos));
    }

    /** Prometheus' text exposition format (version 0.0.4). */
    String scrape() {
        return registry.scrape();
    }
}
