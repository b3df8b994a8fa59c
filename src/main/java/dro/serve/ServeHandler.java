package dro.serve;

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
import dro.GenerateOptions;
import dro.Generation;
import dro.GenerationException;
import dro.InvalidRequestException;
import dro.ModelNotFoundException;
import dro.RateLimitException;
import dro.TokenStream;
import dro.Usage;
import dro.backend.ChatModelResponse;
import dro.backend.ModelCapabilities;
import dro.backend.ResponseFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers the server's paths; one call per request, on a Jetty thread, which it may block while generating. */
final class ServeHandler extends Handler.Abstract {

    private static final Logger log = LoggerFactory.getLogger(ServeHandler.class);
    /** One INFO line per request: method, path, status, tokens, milliseconds (and no text unless asked). */
    private static final Logger access = LoggerFactory.getLogger("dro.serve.access");

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String JSON_TYPE = "application/json";
    /** The threads that read the choices of non-streamed requests (daemons; idle ones end). */
    private static final ExecutorService CHOICES = Executors.newCachedThreadPool(new ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread t = new Thread(task, "dro-serve-choice-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

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
            if (!response.isCommitted()) {
                // nobody reads an error response: close the connection rather than have Jetty write (and warn of) one
                request.getConnectionMetaData().getConnection().getEndPoint().close(e.getCause());
            }
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
        ChatCompletionRequest r = ChatCompletionRequest.read(readBody(request), name -> served(name).defaultOptions(),
                settings.maxTokens(), settings.maxN());
        AutoModel model = served(r.model());
        outcome.model = r.model();
        requireFormat(model, r);
        authorize(request, r.model());
        if (settings.logContent()) {
            access.info("query: {}", r.query());
        }
        // n choices generate at once when not streamed (in the slots), one after another when streamed
        int weight = r.stream() ? 1 : admission.weight(r.n());
        admission.enter(settings.requestTimeout(), weight);
        if (r.stream()) {
            try {
                stream(request, response, r, model, outcome);
            } finally {
                admission.leave(weight);
            }
            return;
        }
        ChatModelResponse g;
        try {
            // A model that answers n choices in one call (an upstream API) gets the one request AutoModel sends for
            // them; any other model generates its choices one by one, here as streams that a disconnect cancels.
            g = r.n() > 1 && model.capabilities().supports(ModelCapabilities.Capability.NATIVE_N)
                    ? model.complete(r.query(), r.options(), r.n(), r.format())
                    : collect(request, response, model, r, weight);
        } catch (DroException e) {
            throw mapped(e);
        } finally {
            admission.leave(weight); // the slots are free before the answer is written to a client that may read slowly
        }
        outcome.promptTokens = g.usage().promptTokens();
        outcome.completionTokens = g.usage().completionTokens();
        if (settings.logContent()) {
            for (int i = 0; i < g.texts().size(); i++) {
                access.info("answer {}: {}", i, g.texts().get(i));
            }
        }
        send(response, 200, JSON.writeValueAsString(completion(r.model(), g)));
    }

    /**
     * The {@code n} answers of a non-streamed request, generated through the model's token streams and collected
     * whole, so that a client that disconnects (this thread probes the connection every 50 ms) cancels them between
     * two tokens and frees their slots. At most {@code width} choices generate at once (the slots the request holds),
     * each read on a thread of its own: one
     * thread reading several of llama.cpp's streams in turn falls out of step with the order their results come in,
     * and then spins in the binding's wait (see docs/BENCHMARKS.md, "Where the time goes"). The answers and the
     * usage are what {@link AutoModel#complete(String, GenerateOptions, int)} returns for a model that generates its
     * replies one by one.
     *
     * @throws ClientGone when the client disconnected and the generation was cancelled
     */
    private ChatModelResponse collect(Request request, Response response, AutoModel model, ChatCompletionRequest r,
                                      int width) {
        long deadline = System.nanoTime() + settings.requestTimeout().toNanos();
        Departure client = new Departure(request, response, active::draining);
        Generation[] out = new Generation[r.n()];
        Set<TokenStream> open = ConcurrentHashMap.newKeySet();
        AtomicBoolean stopping = new AtomicBoolean();
        request.addFailureListener(t -> {
            if (client.failed(t)) {
                stopping.set(true);
                open.forEach(TokenStream::cancel);
            }
        });
        boolean timedOut = runChoices(r.n(), Math.min(width, r.n()), i -> out[i] = choice(model, r, i, stopping, open),
                client, deadline, stopping, open);
        if (client.gone()) {
            throw new ClientGone(client.cause());
        }
        if (timedOut) {
            throw tookTooLong();
        }
        for (Generation g : out) {
            if (g.finishReason() == FinishReason.CANCELLED) {
                throw shuttingDown();
            }
        }
        return ChatModelResponse.of(List.of(out));
    }

    /**
     * Choice {@code i} of a request, generated to its end through a stream of its own, listed while it runs so that a
     * disconnect, a timeout or a drain can cancel it.
     */
    private Generation choice(AutoModel model, ChatCompletionRequest r, int i, AtomicBoolean stopping,
                              Set<TokenStream> open) {
        TokenStream s = model.stream(r.query(), choiceOptions(model, r, i), r.format());
        open.add(s);
        active.add(s);
        try (s) {
            if (stopping.get()) {
                s.cancel(); // the request stopped before this stream was listed
            }
            while (s.hasNext()) {
                s.next();
            }
            return s.result();
        } finally {
            open.remove(s);
            active.remove(s);
        }
    }

    /**
     * The options of choice {@code i}: seed {@code seed + i} when a seed is given, as the backends number the seeds
     * of {@code n} replies.
     */
    private static GenerateOptions choiceOptions(AutoModel model, ChatCompletionRequest r, int i) {
        Long seed = i == 0 ? null : model.defaultOptions().overrideWith(r.options()).seed();
        return seed == null ? r.options() : r.options().toBuilder().seed(seed + i).build();
    }

    /**
     * Runs {@code n} choices on {@code width} threads while this thread probes the client (every 50 ms) and watches
     * the deadline; on either, it cancels the streams open and starts no more. A choice's failure cancels the others
     * and is thrown here.
     *
     * @return whether the deadline passed
     */
    private static boolean runChoices(int n, int width, IntConsumer choice, Departure client, long deadline,
                                      AtomicBoolean stopping, Set<TokenStream> open) {
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int w = 0; w < width; w++) {
            workers.add(CompletableFuture.runAsync(() -> {
                for (int i = next.getAndIncrement(); i < n && !stopping.get(); i = next.getAndIncrement()) {
                    try {
                        choice.accept(i);
                    } catch (RuntimeException e) {
                        stopping.set(true);
                        open.forEach(TokenStream::cancel);
                        throw e;
                    }
                }
            }, CHOICES));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(workers.toArray(new CompletableFuture[0]));
        boolean timedOut = false;
        while (true) {
            try {
                all.get(50, TimeUnit.MILLISECONDS);
                return timedOut;
            } catch (TimeoutException e) {
                if (!stopping.get() && (client.gone() || System.nanoTime() > deadline)) {
                    timedOut = !client.gone();
                    stopping.set(true);
                    open.forEach(TokenStream::cancel);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping.set(true);
                open.forEach(TokenStream::cancel);
                throw shuttingDown();
            } catch (ExecutionException e) { // every worker has ended, its streams closed
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    private ServeError tookTooLong() {
        return new ServeError(504, "timeout_error", null, "timeout", "The answer took longer than "
                + settings.requestTimeout().toSeconds() + " s", -1);
    }

    private static ServeError shuttingDown() {
        return new ServeError(503, "server_error", null, "cancelled", "The server is shutting down", 1);
    }

    /**
     * Whether the client of a non-streamed request went away while its answer is generated: the one signal its
     * generation is cancelled on. Jetty does not read an HTTP/1 connection while its request is handled, so neither a
     * failure listener nor {@code isOpen()} sees the client close it; the probe reads the connection itself (at most
     * every 50 ms): end of stream or an error is a client that disconnected. A byte that arrives instead is the start
     * of a pipelined request, which the probe cannot give back: it stops probing and the response closes the
     * connection (the client sends it again, as HTTP/1.1 lets it). While the server drains, Jetty shuts the
     * connections' input down and fails them itself: that is no client leaving, and the request in flight must still
     * be answered, so nothing then counts as a departure.
     */
    private static final class Departure {
        private static final long EVERY = 50_000_000L;
        private final Request request;
        private final Response response;
        private final BooleanSupplier draining;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private long next = System.nanoTime();
        private boolean stopped;
        private volatile boolean gone;

        Departure(Request request, Response response, BooleanSupplier draining) {
            this.request = request;
            this.response = response;
            this.draining = draining;
            stopped = request.getConnectionMetaData().getHttpVersion().getVersion() > 11;
        }

        /** Jetty failed the request ({@code t}); true when that is the client leaving (not a drain). */
        boolean failed(Throwable t) {
            if (draining.getAsBoolean()) {
                return false;
            }
            failure.compareAndSet(null, t);
            gone = true;
            return true;
        }

        /** Whether the client left; probes the connection when its time has come (request thread only). */
        boolean gone() {
            if (gone || stopped || draining.getAsBoolean() || System.nanoTime() - next < 0) {
                return gone;
            }
            next = System.nanoTime() + EVERY;
            EndPoint ep = request.getConnectionMetaData().getConnection().getEndPoint();
            try {
                int n = ep.fill(BufferUtil.allocate(1));
                if (n < 0) {
                    gone = true;
                } else if (n > 0) {
                    stopped = true;
                    response.getHeaders().put(HttpHeader.CONNECTION, "close");
                }
            } catch (IOException e) {
                failure.compareAndSet(null, e);
                gone = true;
            }
            gone |= !ep.isOpen();
            return gone;
        }

        IOException cause() {
            Throwable t = failure.get();
            return t instanceof IOException io ? io : new IOException("The client disconnected", t);
        }
    }

    /** The 400 naming {@code response_format} when the served model cannot enforce the format asked for. */
    private static void requireFormat(AutoModel model, ChatCompletionRequest r) {
        ResponseFormat f = r.format();
        ModelCapabilities.Capability needed = switch (f.type()) {
            case TEXT -> null;
            case JSON_OBJECT -> ModelCapabilities.Capability.JSON_OBJECT;
            case JSON_SCHEMA -> ModelCapabilities.Capability.JSON_SCHEMA;
        };
        if (needed != null && !model.capabilities().supports(needed)) {
            throw ServeError.unsupported("response_format", "The model '" + r.model() + "' cannot enforce"
                    + " 'response_format' " + (f.type() == ResponseFormat.Type.JSON_OBJECT ? "json_object"
                    : "json_schema") + " here; it takes " + (model.capabilities().supports(
                    ModelCapabilities.Capability.JSON_OBJECT) ? "text and json_object" : "text only"));
        }
    }

    /** The model served under {@code name}, or the 404 that names what is served. */
    private AutoModel served(String name) {
        AutoModel model = models.get(name);
        if (model == null) {
            throw new ServeError(404, "invalid_request_error", "model", "model_not_found", "The model '" + name
                    + "' is not served here; served: " + String.join(", ", models.keySet()), -1);
        }
        return model;
    }

    /**
     * Streams the request's {@code n} choices one after another, each from a stream of its own (choice {@code i} with
     * seed {@code seed + i} when a seed is given, as the backends number the seeds of {@code n} replies); every chunk
     * carries its choice's index. The usage chunk counts the prompt once and the tokens of every choice.
     */
    private void stream(Request request, Response response, ChatCompletionRequest r, AutoModel model,
                        Outcome outcome) throws IOException {
        long start = System.nanoTime();
        long deadline = start + settings.requestTimeout().toNanos();
        String id = "chatcmpl-" + UUID.randomUUID();
        long now = System.currentTimeMillis() / 1000;
        AtomicReference<TokenStream> current = new AtomicReference<>();
        request.addFailureListener(t -> {
            TokenStream s = current.get();
            if (s != null) {
                s.cancel();
            }
        });
        boolean[] headersSent = {false};
        boolean[] first = {true};
        Usage total = null;
        for (int index = 0; index < r.n(); index++) {
            TokenStream s;
            try {
                s = model.stream(r.query(), choiceOptions(model, r, index), r.format());
            } catch (DroException e) {
                ServeError err = mapped(e);
                if (!headersSent[0]) {
                    throw err;
                }
                endWithError(response, outcome, err);
                return;
            }
            current.set(s);
            active.add(s);
            try (s) {
                Generation g = streamChoice(response, r, s, index, id, now, start, deadline, headersSent, first,
                        outcome);
                if (g == null) {
                    return; // the stream ended with an error event
                }
                total = total == null ? g.usage() : new Usage(total.promptTokens(),
                        total.completionTokens() + g.usage().completionTokens(), -1);
                outcome.promptTokens = total.promptTokens();
                outcome.completionTokens = total.completionTokens();
            } catch (IOException e) {
                s.cancel();
                throw new ClientGone(e);
            } finally {
                active.remove(s);
            }
        }
        try {
            if (r.includeUsage()) {
                ObjectNode u = base(id, now, r.model());
                u.putArray("choices");
                u.set("usage", usage(total));
                writeChunk(response, u);
            }
            write(response, true, "data: [DONE]\n\n");
        } catch (IOException e) {
            throw new ClientGone(e);
        }
    }

    /**
     * Streams one choice to its end: its chunks, then its finish chunk; the headers and the first chunk (with the
     * role) go out with the first choice's first piece.
     *
     * @return its generation, or null when it ended the response with an error event (a failure, a timeout, a
     *         cancellation)
     */
    private Generation streamChoice(Response response, ChatCompletionRequest r, TokenStream s, int index, String id,
                                    long now, long start, long deadline, boolean[] headersSent, boolean[] first,
                                    Outcome outcome) throws IOException {
        StringBuilder answer = settings.logContent() ? new StringBuilder() : null;
        AnswerPieces pieces = new AnswerPieces();
        boolean roleSent = false;
        boolean timedOut = false;
        while (true) {
            boolean more;
            String text;
            try {
                more = s.hasNext();
                text = more ? pieces.push(s.next()) : pieces.finish();
            } catch (DroException e) {
                ServeError err = mapped(e);
                if (!headersSent[0]) {
                    throw err;
                }
                endWithError(response, outcome, err);
                return null;
            }
            if (!headersSent[0]) {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
                headersSent[0] = true;
            }
            if (!roleSent) {
                writeChunk(response, chunk(id, now, r, index, "role", "assistant", null));
                roleSent = true;
            }
            if (!text.isEmpty()) {
                if (first[0]) {
                    metrics.firstToken(System.nanoTime() - start);
                    first[0] = false;
                }
                if (answer != null) {
                    answer.append(text);
                }
                writeChunk(response, chunk(id, now, r, index, "content", text, null));
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
        if (answer != null) {
            access.info("answer {}: {}", index, answer);
        }
        if (timedOut || g.finishReason() == FinishReason.CANCELLED) {
            outcome.promptTokens = g.usage().promptTokens();
            outcome.completionTokens += g.usage().completionTokens();
            ServeError err = timedOut ? tookTooLong() : shuttingDown();
            endWithError(response, outcome, err);
            return null;
        }
        writeChunk(response, chunk(id, now, r, index, null, null, finishReason(g.finishReason())));
        return g;
    }

    /** Ends a stream whose headers are sent with an error event in OpenAI's format, then {@code [DONE]}. */
    private static void endWithError(Response response, Outcome outcome, ServeError err) throws IOException {
        outcome.status = err.status;
        writeEvent(response, JSON.writeValueAsString(err.body()));
        write(response, true, "data: [DONE]\n\n");
    }

    /** A write failed: the client disconnected, and the generation was cancelled. */
    private static final class ClientGone extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ClientGone(IOException cause) {
            super(cause);
        }
    }

    private ObjectNode completion(String model, ChatModelResponse g) {
        ObjectNode root = base("chatcmpl-" + UUID.randomUUID(), System.currentTimeMillis() / 1000, model);
        root.put("object", "chat.completion");
        ArrayNode choices = root.putArray("choices");
        for (int i = 0; i < g.texts().size(); i++) {
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            choice.putObject("message").put("role", "assistant").put("content", g.texts().get(i)).putNull("refusal");
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(g.finishReasons().get(i)));
        }
        root.set("usage", usage(g.usage()));
        return root;
    }

    private ObjectNode chunk(String id, long created, ChatCompletionRequest r, int index, String field, String value,
                             String finish) {
        ObjectNode root = base(id, created, r.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", index);
        ObjectNode delta = choice.putObject("delta");
        if (field != null) {
            delta.put(field, value);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        if (r.includeUsage()) {
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

    private static String finishReason(FinishReason f) {
        return f == FinishReason.LENGTH ? "length" : "stop";
    }

    private byte[] readBody(Request request) throws IOException {
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
        return bytes;
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
