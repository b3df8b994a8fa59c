package dro.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A server on 127.0.0.1 (an ephemeral port) that speaks OpenAI's chat-completions protocol from a script, for tests
 * that run the real client over real HTTP.
 *
 * <h2>Scripting</h2>
 * Each request to {@code POST /v1/chat/completions} is answered by the next {@linkplain #enqueue queued} reply, or,
 * when none is queued, by the {@linkplain #respond responder}: a function of the {@link Request}. The default
 * responder is {@link #scriptedModel(String) scriptedModel("Hi&lt;END&gt;")}, which behaves like the tiny scripted
 * GGUF model of {@link TestModels}. A {@link Reply} is a completion ({@link Reply#completion}), an OpenAI-style error
 * ({@link Reply#error}) or any body ({@link Reply#raw}); each can carry headers ({@code Retry-After}) and a delay.
 * A completion asked for with {@code "stream": true} is served as server-sent events: one chunk per piece
 * (by default one character each), the usage chunk when {@code stream_options.include_usage} is set, then
 * {@code [DONE]}.
 *
 * <h2>Inspection</h2>
 * {@link #requests()} records every request: headers and the body as text and as JSON.
 * {@link #maxConcurrentRequests()} is the most requests that were being answered at once.
 *
 * <p>Thread-safe: requests are answered concurrently.
 */
public final class ScriptedOpenAiServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        // The JDK server writes headers and body separately; without TCP_NODELAY each answer waits ~40 ms for the
        // client's delayed ACK. Read once, when the first server starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** One recorded request. Header names are lower case. */
    public record Request(String method, String path, Map<String, List<String>> headers, String body, JsonNode json) {

        /** The first value of a header, or null. */
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        public String model() {
            return json.path("model").asText(null);
        }

        /** The content of the first message with this role, or null. */
        public String message(String role) {
            for (JsonNode m : json.path("messages")) {
                if (role.equals(m.path("role").asText())) {
                    return m.path("content").asText();
                }
            }
            return null;
        }

        public boolean stream() {
            return json.path("stream").asBoolean(false);
        }

        public int n() {
            return json.path("n").asInt(1);
        }

        /** {@code max_tokens}, else {@code max_completion_tokens}, else 512. */
        public int maxTokens() {
            return json.path("max_tokens").asInt(json.path("max_completion_tokens").asInt(512));
        }

        public List<String> stop() {
            JsonNode s = json.path("stop");
            List<String> out = new ArrayList<>();
            if (s.isTextual()) {
                out.add(s.asText());
            } else {
                s.forEach(x -> out.add(x.asText()));
            }
            return out;
        }
    }

    /** What the server answers to one request. Immutable; the {@code with} methods return changed copies. */
    public record Reply(int status, Map<String, String> headers, String rawBody, List<String> choices,
                        String finishReason, int promptTokens, int completionTokens, boolean usage, Duration delay,
                        Duration pieceDelay, int pieceSize) {

        /** A chat completion with these replies ({@code n} of them), finish reason "stop", usage 10 + 5 tokens. */
        public static Reply completion(String... choices) {
            return new Reply(200, Map.of(), null, List.of(choices), "stop", 10, 5, true, Duration.ZERO, Duration.ZERO,
                    1);
        }

        /** An error in OpenAI's shape: {@code {"error": {"message": ..., "type": ..., "code": null}}}. */
        public static Reply error(int status, String message) {
            ObjectNode body = JSON.createObjectNode();
            body.putObject("error").put("message", message).put("type", "test_error").putNull("code");
            return raw(status, "application/json", body.toString());
        }

        /** Any body with any status. */
        public static Reply raw(int status, String contentType, String body) {
            return new Reply(status, Map.of("Content-Type", contentType), body, List.of(), null, 0, 0, false,
                    Duration.ZERO, Duration.ZERO, 1);
        }

        public Reply withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Reply(status, Map.copyOf(h), rawBody, choices, finishReason, promptTokens, completionTokens,
                    usage, delay, pieceDelay, pieceSize);
        }

        public Reply withFinishReason(String reason) {
            return new Reply(status, headers, rawBody, choices, reason, promptTokens, completionTokens, usage, delay,
                    pieceDelay, pieceSize);
        }

        public Reply withUsage(int prompt, int completion) {
            return new Reply(status, headers, rawBody, choices, finishReason, prompt, completion, true, delay,
                    pieceDelay, pieceSize);
        }

        /** No usage field in the answer. */
        public Reply withoutUsage() {
            return new Reply(status, headers, rawBody, choices, finishReason, promptTokens, completionTokens, false,
                    delay, pieceDelay, pieceSize);
        }

        /** Waits this long before answering at all. */
        public Reply withDelay(Duration d) {
            return new Reply(status, headers, rawBody, choices, finishReason, promptTokens, completionTokens, usage, d,
                    pieceDelay, pieceSize);
        }

        /** When streamed: waits this long before each piece. */
        public Reply withPieceDelay(Duration d) {
            return new Reply(status, headers, rawBody, choices, finishReason, promptTokens, completionTokens, usage,
                    delay, d, pieceSize);
        }

        /** When streamed: characters per piece (default 1). */
        public Reply withPieceSize(int chars) {
            return new Reply(status, headers, rawBody, choices, finishReason, promptTokens, completionTokens, usage,
                    delay, pieceDelay, chars);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Deque<Reply> queue = new ArrayDeque<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile Function<Request, Reply> responder = scriptedModel("Hi<END>");

    private ScriptedOpenAiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scripted-openai-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a server on 127.0.0.1 with the default responder. */
    public static ScriptedOpenAiServer start() {
        try {
            return new ScriptedOpenAiServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:PORT/v1}: the base URL to give a client. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Answers requests that find no queued reply with {@code responder}. */
    public ScriptedOpenAiServer respond(Function<Request, Reply> responder) {
        this.responder = responder;
        return this;
    }

    /** Answers the next requests with these replies, in order, before the responder is asked again. */
    public ScriptedOpenAiServer enqueue(Reply... replies) {
        synchronized (queue) {
            queue.addAll(List.of(replies));
        }
        return this;
    }

    /** Every request so far, in the order they arrived. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public Request lastRequest() {
        List<Request> r = requests();
        if (r.isEmpty()) {
            throw new AssertionError("no request has arrived");
        }
        return r.get(r.size() - 1);
    }

    /** The most requests that were being answered at the same time. */
    public int maxConcurrentRequests() {
        return maxInFlight.get();
    }

    /** Forgets the recorded requests and the concurrency maximum (the queue and responder stay). */
    public void reset() {
        requests.clear();
        maxInFlight.set(0);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /**
     * A responder that behaves like a scripted model: it writes {@code script} cyclically, one character per token,
     * until {@code max_tokens} or a {@code stop} string (which is cut off, as the API does), for each of the {@code n}
     * choices. Usage: one prompt token per character of the messages, one completion token per character written.
     */
    public static Function<Request, Reply> scriptedModel(String script) {
        return scriptedModel(r -> script);
    }

    /** Like {@link #scriptedModel(String)} with a script chosen per request (e.g. from the user message). */
    public static Function<Request, Reply> scriptedModel(Function<Request, String> scriptOf) {
        return r -> {
            String script = scriptOf.apply(r);
            int max = r.maxTokens();
            List<String> stop = r.stop();
            StringBuilder out = new StringBuilder();
            String finish = "length";
            String text = null;
            for (int i = 0; i < max; i++) {
                out.append(script.charAt(i % script.length()));
                int cut = firstStop(out, stop);
                if (cut >= 0) {
                    text = out.substring(0, cut);
                    finish = "stop";
                    break;
                }
            }
            if (text == null) {
                text = out.toString();
            }
            int prompt = 0;
            for (JsonNode m : r.json().path("messages")) {
                prompt += m.path("content").asText().length();
            }
            String[] choices = new String[r.n()];
            java.util.Arrays.fill(choices, text);
            // one token per character generated, the characters of a stop string included
            return Reply.completion(choices).withFinishReason(finish).withUsage(prompt, out.length() * r.n());
        };
    }

    private static int firstStop(CharSequence text, List<String> stop) {
        int best = -1;
        String s = text.toString();
        for (String st : stop) {
            int i = s.indexOf(st);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    // ---- serving ----

    private void handle(HttpExchange ex) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        boolean[] released = {false};
        Runnable release = () -> {
            if (!released[0]) {
                released[0] = true;
                inFlight.decrementAndGet();
            }
        };
        try (ex) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            JsonNode json;
            try {
                json = body.isEmpty() ? MissingNode.getInstance() : JSON.readTree(body);
            } catch (IOException e) {
                json = MissingNode.getInstance();
            }
            Map<String, List<String>> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
            Request request = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), Map.copyOf(headers),
                    body, json);
            requests.add(request);
            Reply reply;
            if (!request.path().endsWith("/chat/completions")) {
                reply = Reply.error(404, "Unknown path " + request.path());
            } else {
                synchronized (queue) {
                    reply = queue.poll();
                }
                if (reply == null) {
                    reply = responder.apply(request);
                }
            }
            sleep(reply.delay());
            reply.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
            // A whole reply ends the request before it is sent: the client may send its next request as soon as it
            // has read the answer, and that one must not be counted as running beside this one.
            if (reply.rawBody() != null) {
                release.run();
                send(ex, reply.status(), reply.rawBody());
            } else if (request.stream()) {
                stream(ex, request, reply);
            } else {
                ex.getResponseHeaders().set("Content-Type", "application/json");
                String text = completion(request, reply).toString();
                release.run();
                send(ex, reply.status(), text);
            }
        } catch (IOException | RuntimeException e) {
            // the client went away (a timeout, a cancelled stream): nothing to answer
        } finally {
            release.run();
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** The body this server sends for {@code reply} to a request that is not streamed: a chat completion's JSON. */
    public static String completionBody(Request request, Reply reply) {
        return completion(request, reply).toString();
    }

    private static ObjectNode completion(Request request, Reply reply) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "chatcmpl-test").put("object", "chat.completion").put("created", 1700000000L)
                .put("model", request.model());
        ArrayNode choices = o.putArray("choices");
        for (int i = 0; i < reply.choices().size(); i++) {
            ObjectNode c = choices.addObject();
            c.put("index", i);
            c.putObject("message").put("role", "assistant").put("content", reply.choices().get(i));
            c.putNull("logprobs");
            c.put("finish_reason", reply.finishReason());
        }
        if (reply.usage()) {
            usage(o, reply);
        }
        return o;
    }

    private static void usage(ObjectNode o, Reply reply) {
        o.putObject("usage").put("prompt_tokens", reply.promptTokens())
                .put("completion_tokens", reply.completionTokens())
                .put("total_tokens", reply.promptTokens() + reply.completionTokens());
    }

    private static void stream(HttpExchange ex, Request request, Reply reply) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(reply.status(), 0);
        try (OutputStream out = ex.getResponseBody()) {
            for (int i = 0; i < reply.choices().size(); i++) {
                ObjectNode first = chunk(request);
                choices(first).addObject().put("index", i).putNull("finish_reason")
                        .putObject("delta").put("role", "assistant").put("content", "");
                event(out, first.toString());
                String text = reply.choices().get(i);
                for (int at = 0; at < text.length(); at += reply.pieceSize()) {
                    sleep(reply.pieceDelay());
                    ObjectNode c = chunk(request);
                    choices(c).addObject().put("index", i).putNull("finish_reason")
                            .putObject("delta").put("content",
                                    text.substring(at, Math.min(text.length(), at + reply.pieceSize())));
                    event(out, c.toString());
                }
                ObjectNode last = chunk(request);
                choices(last).addObject().put("index", i).put("finish_reason", reply.finishReason())
                        .putObject("delta");
                event(out, last.toString());
            }
            if (reply.usage() && request.json().path("stream_options").path("include_usage").asBoolean(false)) {
                ObjectNode u = chunk(request);
                usage(u, reply);
                event(out, u.toString());
            }
            event(out, "[DONE]");
        }
    }

    private static ObjectNode chunk(Request request) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", "chatcmpl-test").put("object", "chat.completion.chunk").put("created", 1700000000L)
                .put("model", request.model());
        o.putArray("choices");
        return o;
    }

    private static ArrayNode choices(ObjectNode chunk) {
        return (ArrayNode) chunk.get("choices");
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
