package dro.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.ApiException;
import dro.ApiTimeoutException;
import dro.AuthenticationException;
import dro.AutoModel;
import dro.BadRequestException;
import dro.DroException;
import dro.FinishReason;
import dro.Generation;
import dro.GenerationException;
import dro.InvalidRequestException;
import dro.ModelNotFoundException;
import dro.RateLimitException;
import dro.TokenStream;
import dro.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers the server's paths; one call per request, on a Jetty thread, which it may block while generating. */
final class ServeHandler extends Handler.Abstract {

    private static final Logger log = LoggerFactory.getLogger(ServeHandler.class);
    /** One INFO line per request: method, path, status, tokens, milliseconds (and no text unless asked). */
    private static final Logger access = LoggerFactory.getLogger("dro.serve.access");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final String JSON_TYPE = "application/json";

    private final DroServer.Settings settings;
    private final Map<String, AutoModel> models;
    private final Admission admission;
    private final ServeMetrics metrics;
    private final ActiveStreams active;
    private final long created = System.currentTimeMillis() / 1000;

    ServeHandler(DroServer.Settings settings, Map<String, AutoModel> models, Admission admission,
                 ServeMetrics metrics, ActiveStreams active) {
        this.settings = settings;
        this.models = models;
        this.admission = admission;
        this.metrics = metrics;
        this.active = active;
    }

    /** What one request did, for the access log and the metrics. */
    private static final class Outcome {
        int status = 200;
        int promptTokens;
        int completionTokens;
        String model = "-";
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        Outcome outcome = new Outcome();
        boolean chat = path.equals("/v1/chat/completions");
        try {
            switch (path) {
                case "/health" -> send(response, 200, "{\"status\":\"ok\"}");
                case "/ready" -> {
                    if (active.draining()) {
                        outcome.status = 503;
                        send(response, 503, "{\"status\":\"draining\"}");
                    } else {
                        send(response, 200, "{\"status\":\"ready\"}");
                    }
                }
                case "/metrics" -> {
                    authorize(request, null);
                    requireMethod(method, "GET");
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    write(response, true, metrics.scrape());
                }
                case "/v1/models" -> {
                    authorize(request, null);
                    requireMethod(method, "GET");
                    send(response, 200, JSON.writeValueAsString(modelList()));
                }
                case "/v1/chat/completions" -> chat(request, response, outcome);
                default -> throw new ServeError(404, "invalid_request_error", null, "not_found", "Unknown path "
                        + path + "; dro serve answers POST /v1/chat/completions, GET /v1/models, /health, /ready"
                        + " and /metrics", -1);
            }
            callback.succeeded();
        } catch (ServeError e) {
            outcome.status = e.status;
            fail(request, response, callback, e);
        } catch (ClientGone e) {
            outcome.status = 499;
            callback.failed(e.getCause());
        } catch (IOException e) {
            outcome.status = 499; // the client went away while the answer was written
            callback.failed(e);
        } catch (RuntimeException e) {
            log.error("dro serve failed on {} {}", method, path, e);
            outcome.status = 500;
            fail(request, response, callback, new ServeError(500, "server_error", null, null,
                    "The server failed: " + e.getClass().getSimpleName(), -1));
        } finally {
            long nanos = System.nanoTime() - start;
            if (chat) {
                metrics.request(outcome.status, nanos);
                metrics.tokens(outcome.promptTokens, outcome.completionTokens);
            }
            access.info("{} {} {} model={} prompt_tokens={} completion_tokens={} ms={}", method, path,
                    outcome.status, outcome.model, outcome.promptTokens, outcome.completionTokens, nanos / 1_000_000);
        }
        return true;
    }

    private ObjectNode modelList() {
        ObjectNode root = JSON.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        models.forEach((name, m) -> {
            ObjectNode o = data.addObject().put("id", name).put("object", "model").put("created", created)
                    .put("owned_by", "dro4j");
            o.putObject("dro").put("system_prompt", m.systemPrompt())
                    .put("system_prompt_source", m.systemPromptSource().toString());
        });
        return root;
    }

    private void chat(Request request, Response response, Outcome outcome) throws IOException {
        requireMethod(request.getMethod(), "POST");
        authorize(request, null);
        JsonNode body = readBody(request);
        ChatCompletionRequest r = ChatCompletionRequest.read(body, settings.defaultOptions(), settings.maxTokens());
        AutoModel model = models.get(r.model());
        if (model == null) {
            throw new ServeError(404, "invalid_request_error", "model", "model_not_found", "The model '" + r.model()
                    + "' is not served here; served: " + String.join(", ", models.keySet()), -1);
        }
        outcome.model = r.model();
        authorize(request, r.model());
        if (settings.logContent()) {
            access.info("query: {}", r.query());
        }
        admission.enter(settings.requestTimeout());
        if (r.stream()) {
            try {
                stream(request, response, r, model, outcome);
            } finally {
                admission.leave();
            }
            return;
        }
        Generation g;
        try {
            g = model.complete(r.query(), r.options());
        } catch (DroException e) {
            throw mapped(e);
        } finally {
            admission.leave(); // the slot is free before the answer is written to a client that may read slowly
        }
        outcome.promptTokens = g.usage().promptTokens();
        outcome.completionTokens = g.usage().completionTokens();
        if (settings.logContent()) {
            access.info("answer: {}", g.text());
        }
        send(response, 200, JSON.writeValueAsString(completion(r.model(), g)));
    }

    private void stream(Request request, Response response, ChatCompletionRequest r, AutoModel model,
                        Outcome outcome) throws IOException {
        long start = System.nanoTime();
        long deadline = start + settings.requestTimeout().toNanos();
        String id = "chatcmpl-" + UUID.randomUUID();
        long now = System.currentTimeMillis() / 1000;
        TokenStream s;
        try {
            s = model.stream(r.query(), r.options());
        } catch (DroException e) {
            throw mapped(e);
        }
        active.add(s);
        request.addFailureListener(t -> s.cancel());
        StringBuilder answer = settings.logContent() ? new StringBuilder() : null;
        boolean headersSent = false;
        try (s) {
            AnswerPieces pieces = new AnswerPieces();
            boolean first = true;
            boolean timedOut = false;
            while (true) {
                boolean more;
                String text;
                try {
                    more = s.hasNext();
                    text = more ? pieces.push(s.next()) : pieces.finish();
                } catch (DroException e) {
                    if (!headersSent) {
                        throw mapped(e);
                    }
                    ServeError err = mapped(e);
                    outcome.status = err.status;
                    writeEvent(response, JSON.writeValueAsString(err.body()));
                    write(response, true, "data: [DONE]\n\n");
                    return;
                }
                if (!headersSent) {
                    response.setStatus(200);
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
                    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
                    headersSent = true;
                    writeChunk(response, chunk(id, now, r, "role", "assistant", null, r.includeUsage()));
                }
                if (!text.isEmpty()) {
                    if (first) {
                        metrics.firstToken(System.nanoTime() - start);
                        first = false;
                    }
                    if (answer != null) {
                        answer.append(text);
                    }
                    writeChunk(response, chunk(id, now, r, "content", text, null, r.includeUsage()));
                }
                if (!more) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    s.cancel();
                    timedOut = true;
                }
            }
            Generation g = s.result();
            outcome.promptTokens = g.usage().promptTokens();
            outcome.completionTokens = g.usage().completionTokens();
            if (answer != null) {
                access.info("answer: {}", answer);
            }
            if (timedOut || g.finishReason() == FinishReason.CANCELLED) {
                ServeError err = timedOut ? new ServeError(504, "timeout_error", null, "timeout",
                        "The answer took longer than " + settings.requestTimeout().toSeconds() + " s", -1)
                        : new ServeError(503, "server_error", null, "cancelled", "The server is shutting down", 1);
                outcome.status = err.status;
                writeEvent(response, JSON.writeValueAsString(err.body()));
            } else {
                writeChunk(response, chunk(id, now, r, null, null, finishReason(g), r.includeUsage()));
                if (r.includeUsage()) {
                    ObjectNode u = base(id, now, r.model());
                    u.putArray("choices");
                    u.set("usage", usage(g.usage()));
                    writeChunk(response, u);
                }
            }
            write(response, true, "data: [DONE]\n\n");
        } catch (IOException e) {
            s.cancel();
            throw new ClientGone(e);
        } finally {
            active.remove(s);
        }
    }

    /** A write failed: the client disconnected, and the generation was cancelled. */
    private static final class ClientGone extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClientGone(IOException cause) {
            super(cause);
        }
    }

    private ObjectNode completion(String model, Generation g) {
        ObjectNode root = base("chatcmpl-" + UUID.randomUUID(), System.currentTimeMillis() / 1000, model);
        root.put("object", "chat.completion");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", g.text()).putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(g));
        root.set("usage", usage(g.usage()));
        return root;
    }

    private ObjectNode chunk(String id, long created, ChatCompletionRequest r, String field, String value,
                             String finish, boolean usageNull) {
        ObjectNode root = base(id, created, r.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (field != null) {
            delta.put(field, value);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        if (usageNull) {
            root.putNull("usage");
        }
        return root;
    }

    private static ObjectNode base(String id, long created, String model) {
        return JSON.createObjectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model);
    }

    private static ObjectNode usage(Usage u) {
        return JSON.createObjectNode().put("prompt_tokens", u.promptTokens())
                .put("completion_tokens", u.completionTokens()).put("total_tokens", u.totalTokens());
    }

    private static String finishReason(Generation g) {
        return g.finishReason() == FinishReason.LENGTH ? "length" : "stop";
    }

    private JsonNode readBody(Request request) throws IOException {
        long max = settings.maxBodyBytes();
        long declared = request.getLength();
        if (declared > max) {
            throw tooLarge(declared);
        }
        byte[] bytes;
        try (InputStream in = Content.Source.asInputStream(request)) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        }
        if (bytes.length > max) {
            throw tooLarge(-1);
        }
        if (bytes.length == 0) {
            throw ServeError.invalid(null, "The request body is empty; send a JSON object");
        }
        try {
            return JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ServeError.invalid(null, "The request body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")" : ""));
        }
    }

    private ServeError tooLarge(long declared) {
        return new ServeError(413, "invalid_request_error", null, "request_too_large", "The request body is larger"
                + " than this server's limit of " + settings.maxBodyBytes() + " bytes"
                + (declared >= 0 ? " (" + declared + " bytes)" : ""), -1);
    }

    private void authorize(Request request, String model) {
        if (settings.apiKeys().isEmpty()) {
            return;
        }
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        switch (settings.apiKeys().check(header, model)) {
            case ALLOWED -> { }
            case MISSING -> throw new ServeError(401, "invalid_request_error", null, "missing_api_key",
                    "No API key: send 'Authorization: Bearer YOUR_KEY'", -1);
            case WRONG -> throw new ServeError(401, "invalid_request_error", null, "invalid_api_key",
                    "Incorrect API key provided", -1);
            case FORBIDDEN -> throw new ServeError(403, "permission_error", "model", "model_not_allowed",
                    "This API key may not use the model '" + model + "'", -1);
            default -> throw new IllegalStateException();
        }
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ServeError(405, "invalid_request_error", null, "method_not_allowed", "Use " + allowed
                    + ", not " + method, -1);
        }
    }

    /** A library failure as the client's error: what was wrong upstream or locally, with the right status. */
    static ServeError mapped(DroException e) {
        if (e instanceof InvalidRequestException) {
            log.debug("Request refused: {}", e.getMessage());
            return ServeError.invalid(null, e.getMessage());
        }
        if (e instanceof RateLimitException r) {
            return new ServeError(429, "rate_limit_error", null, "upstream_rate_limited", "The upstream model is"
                    + " rate-limited: " + e.getMessage(), r.retryAfter().map(d -> Math.max(1, d.toSeconds()))
                    .orElse(1L));
        }
        if (e instanceof BadRequestException) {
            return ServeError.invalid(null, "The upstream refused the request: " + e.getMessage());
        }
        if (e instanceof ApiTimeoutException || e instanceof GenerationException && e.isRetriable()
                && String.valueOf(e.getMessage()).contains("timed out")) {
            log.warn("Upstream or generation timed out: {}", e.getMessage());
            return new ServeError(504, "timeout_error", null, "upstream_timeout", "The model did not answer in"
                    + " time: " + e.getMessage(), -1);
        }
        if (e instanceof AuthenticationException || e instanceof ModelNotFoundException) {
            log.warn("The upstream refused dro serve's own credentials or model: {}", e.getMessage());
            return new ServeError(502, "server_error", null, "upstream_error", "The upstream refused this server: "
                    + e.getMessage(), -1);
        }
        if (e instanceof ApiException || e instanceof dro.backend.RoutingChatModel.AllEndpointsDownException) {
            log.warn("Upstream failure: {}", e.getMessage());
            return new ServeError(502, "server_error", null, "upstream_error", "The upstream failed: "
                    + e.getMessage(), -1);
        }
        log.warn("Generation failed: {}", e.getMessage());
        return new ServeError(500, "server_error", null, null, "The generation failed: " + e.getMessage(), -1);
    }

    private void fail(Request request, Response response, Callback callback, ServeError e) {
        if (e.status >= 500) {
            log.debug("{} {} -> {}: {}", request.getMethod(), Request.getPathInContext(request), e.status,
                    e.getMessage());
        } else {
            log.debug("Client error {} on {}: {}", e.status, Request.getPathInContext(request), e.getMessage());
        }
        if (response.isCommitted()) {
            callback.failed(e);
            return;
        }
        try {
            response.reset();
            if (e.retryAfterSeconds >= 0) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(e.retryAfterSeconds));
            }
            if (e.status == 401) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
            }
            send(response, e.status, JSON.writeValueAsString(e.body()));
            callback.succeeded();
        } catch (IOException | RuntimeException x) {
            callback.failed(x);
        }
    }

    private static void send(Response response, int status, String json) throws IOException {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON_TYPE);
        write(response, true, json);
    }

    private static void writeChunk(Response response, ObjectNode chunk) throws IOException {
        writeEvent(response, JSON.writeValueAsString(chunk));
    }

    private static void writeEvent(Response response, String json) throws IOException {
        write(response, false, "data: " + json + "\n\n");
    }

    private static void write(Response response, boolean last, String text) throws IOException {
        try (Blocker.Callback cb = Blocker.callback()) {
            response.write(last, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), cb);
            cb.block();
        }
    }
}
