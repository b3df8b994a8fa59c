package dro.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.ScriptedOpenAiServer.Request;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server on 127.0.0.1 that speaks OpenAI's Files and Batch APIs (and chat completions, for calls made directly),
 * for tests that run openai-java's {@code files()} and {@code batches()} over real HTTP.
 *
 * <ul>
 *   <li>{@code POST /v1/files}: a multipart upload ({@code file}, {@code purpose}); answers a file object.</li>
 *   <li>{@code POST /v1/batches}: creates a batch of an uploaded file; {@code GET /v1/batches/{id}} reports it:
 *   {@code in_progress} for the first {@link #inProgressPolls} polls (forever while {@link #hold} is on), then its
 *   end state ({@link #endState}, default {@code completed}), with output and error files.</li>
 *   <li>{@code GET /v1/files/{id}/content}: a file's content.</li>
 *   <li>{@code POST /v1/chat/completions}: answered by the responder, as {@link ScriptedOpenAiServer} would.</li>
 * </ul>
 *
 * Each line of a batch is answered by the responder (a function of the line's body as a {@link Request}) unless
 * {@link #fate} says it fails (it goes to the error file) or is missing (an expired batch did not reach it).
 *
 * <p>Thread-safe.
 */
public final class BatchApiServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BATCH = Pattern.compile("/v1/batches/([^/]+)(/cancel)?");
    private static final Pattern CONTENT = Pattern.compile("/v1/files/([^/]+)/content");

    /** What becomes of one line of a batch. */
    public enum Fate { ANSWER, FAIL, MISSING }

    /** One created batch. */
    public static final class Batch {
        public final String id;
        public final int number;
        public final String inputFileId;
        public final List<JsonNode> lines;
        int polls;
        String state = "validating";
        String outputFileId;
        String errorFileId;
        long completed;
        long failed;

        Batch(String id, int number, String inputFileId, List<JsonNode> lines) {
            this.id = id;
            this.number = number;
            this.inputFileId = inputFileId;
            this.lines = lines;
        }

        /** The lines' request bodies. */
        public List<JsonNode> bodies() {
            return lines.stream().map(l -> l.get("body")).toList();
        }
    }

    private final HttpServer http;
    private final ExecutorService executor;
    private final Map<String, String> files = new LinkedHashMap<>();
    private final Map<String, Batch> batches = new LinkedHashMap<>();
    private final List<Request> chats = Collections.synchronizedList(new ArrayList<>());
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private volatile Function<Request, Reply> responder = ScriptedOpenAiServer.scriptedModel("Hi<END>");
    private volatile BiFunction<Batch, Request, Fate> fate = (b, r) -> Fate.ANSWER;
    private volatile Function<Batch, String> endState = b -> "completed";
    private volatile int inProgressPolls = 1;
    private volatile boolean hold;
    private int fileCount;
    private int batchCount;

    private BatchApiServer() throws IOException {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "batch-api-server");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    public static BatchApiServer start() {
        try {
            return new BatchApiServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL, {@code http://127.0.0.1:<port>/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
    }

    /** Answers every chat body, in batches and direct calls. */
    public BatchApiServer respond(Function<Request, Reply> responder) {
        this.responder = responder;
        return this;
    }

    /** Decides each batch line's fate (default: answered). */
    public BatchApiServer fate(BiFunction<Batch, Request, Fate> fate) {
        this.fate = fate;
        return this;
    }

    /** The state each batch ends in (default {@code completed}). */
    public BatchApiServer endState(Function<Batch, String> endState) {
        this.endState = endState;
        return this;
    }

    /** Polls a batch is reported {@code in_progress} before it ends (default 1). */
    public BatchApiServer inProgressPolls(int polls) {
        this.inProgressPolls = polls;
        return this;
    }

    /** While on, every batch stays {@code in_progress}. */
    public BatchApiServer hold(boolean on) {
        this.hold = on;
        return this;
    }

    /** Every batch created so far, in order. */
    public synchronized List<Batch> batches() {
        return List.copyOf(batches.values());
    }

    /** The chat completions asked for directly (not in a batch). */
    public List<Request> directChats() {
        synchronized (chats) {
            return List.copyOf(chats);
        }
    }

    /** Every HTTP call, as {@code "METHOD /path"}. */
    public List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** Forgets the recorded calls (batches and files stay). */
    public void resetCalls() {
        calls.clear();
        chats.clear();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            byte[] body = ex.getRequestBody().readAllBytes();
            calls.add(method + " " + path);
            Matcher b = BATCH.matcher(path);
            Matcher c = CONTENT.matcher(path);
            if (method.equals("POST") && path.equals("/v1/files")) {
                send(ex, 200, upload(ex.getRequestHeaders().getFirst("Content-Type"), body));
            } else if (method.equals("POST") && path.equals("/v1/batches")) {
                send(ex, 200, create(JSON.readTree(body)));
            } else if (b.matches()) {
                Batch batch;
                synchronized (this) {
                    batch = batches.get(b.group(1));
                }
                if (batch == null) {
                    send(ex, 404, error("No batch " + b.group(1)));
                } else {
                    send(ex, 200, poll(batch, b.group(2) != null));
                }
            } else if (method.equals("GET") && c.matches()) {
                String text;
                synchronized (this) {
                    text = files.get(c.group(1));
                }
                if (text == null) {
                    send(ex, 404, error("No file " + c.group(1)));
                } else {
                    send(ex, 200, text);
                }
            } else if (method.equals("POST") && path.equals("/v1/chat/completions")) {
                String text = new String(body, StandardCharsets.UTF_8);
                Request r = new Request(method, path, Map.of(), text, JSON.readTree(text));
                chats.add(r);
                Reply reply = responder.apply(r);
                send(ex, reply.status(), reply.status() == 200 ? ScriptedOpenAiServer.completionBody(r, reply)
                        : reply.rawBody());
            } else {
                send(ex, 404, error("Unknown path " + method + " " + path));
            }
        } catch (RuntimeException e) {
            send(ex, 500, error(e.toString()));
        }
    }

    private synchronized String upload(String contentType, byte[] body) {
        String boundary = contentType.substring(contentType.indexOf("boundary=") + 9).replace("\"", "");
        String all = new String(body, StandardCharsets.ISO_8859_1);
        String content = null;
        String purpose = null;
        String filename = null;
        for (String part : all.split("--" + Pattern.quote(boundary))) {
            int split = part.indexOf("\r\n\r\n");
            if (split < 0) {
                continue;
            }
            String headers = part.substring(0, split);
            String value = part.substring(split + 4);
            if (value.endsWith("\r\n")) {
                value = value.substring(0, value.length() - 2);
            }
            if (headers.contains("name=\"file\"")) {
                content = new String(value.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
                Matcher f = Pattern.compile("filename=\"([^\"]*)\"").matcher(headers);
                filename = f.find() ? f.group(1) : null;
            } else if (headers.contains("name=\"purpose\"")) {
                purpose = value;
            }
        }
        if (content == null || !"batch".equals(purpose)) {
            throw new IllegalArgumentException("an upload needs a file and purpose batch, got purpose " + purpose);
        }
        String id = "file-" + (++fileCount);
        files.put(id, content);
        return fileObject(id, content, filename == null ? "upload.jsonl" : filename);
    }

    private synchronized String create(JsonNode req) throws IOException {
        String input = req.path("input_file_id").asText();
        if (!files.containsKey(input) || !"/v1/chat/completions".equals(req.path("endpoint").asText())
                || !"24h".equals(req.path("completion_window").asText())) {
            throw new IllegalArgumentException("bad batch request " + req);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String l : files.get(input).split("\n")) {
            if (!l.isBlank()) {
                JsonNode line = JSON.readTree(l);
                if (!"POST".equals(line.path("method").asText())
                        || !"/v1/chat/completions".equals(line.path("url").asText())
                        || !line.path("custom_id").isTextual()) {
                    throw new IllegalArgumentException("bad batch line " + l);
                }
                lines.add(line);
            }
        }
        Batch b = new Batch("batch_" + (++batchCount), batchCount, input, lines);
        batches.put(b.id, b);
        return batchObject(b);
    }

    private synchronized String poll(Batch b, boolean cancel) {
        if (cancel) {
            finish(b, "cancelled");
        } else if (b.outputFileId == null && b.errorFileId == null && !isTerminal(b.state)) {
            b.polls++;
            if (!hold && b.polls > inProgressPolls) {
                finish(b, endState.apply(b));
            } else {
                b.state = "in_progress";
                b.completed = Math.min(b.lines.size(), b.polls - 1L);
            }
        }
        return batchObject(b);
    }

    private static boolean isTerminal(String s) {
        return List.of("completed", "failed", "expired", "cancelled").contains(s);
    }

    private void finish(Batch b, String state) {
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        int i = 0;
        for (JsonNode line : b.lines) {
            String customId = line.get("custom_id").asText();
            JsonNode body = line.get("body");
            Request r = new Request("POST", "/v1/chat/completions", Map.of(), body.toString(), body);
            Fate f = state.equals("failed") ? Fate.MISSING : fate.apply(b, r);
            String reqId = "req_" + b.number + "_" + (i++);
            if (f == Fate.ANSWER) {
                Reply reply = responder.apply(r);
                ObjectNode o = JSON.createObjectNode().put("id", "line_" + reqId).put("custom_id", customId);
                ObjectNode resp = o.putObject("response").put("status_code", reply.status()).put("request_id", reqId);
                try {
                    resp.set("body", JSON.readTree(reply.status() == 200 ? ScriptedOpenAiServer.completionBody(r,
                            reply) : reply.rawBody()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                o.putNull("error");
                (reply.status() == 200 ? out : err).append(o).append('\n');
                if (reply.status() != 200) {
                    b.failed++;
                }
            } else if (f == Fate.FAIL) {
                ObjectNode o = JSON.createObjectNode().put("id", "line_" + reqId).put("custom_id", customId);
                o.putNull("response");
                o.putObject("error").put("code", "server_error").put("message", "The line failed (scripted)");
                err.append(o).append('\n');
                b.failed++;
            }
        }
        b.completed = countLines(out);
        if (out.length() > 0) {
            b.outputFileId = "file-" + (++fileCount);
            files.put(b.outputFileId, out.toString());
        }
        if (err.length() > 0) {
            b.errorFileId = "file-" + (++fileCount);
            files.put(b.errorFileId, err.toString());
        }
        b.state = state;
    }

    private static long countLines(CharSequence s) {
        return s.chars().filter(ch -> ch == '\n').count();
    }

    private static String fileObject(String id, String content, String filename) {
        return JSON.createObjectNode().put("id", id).put("object", "file")
                .put("bytes", content.getBytes(StandardCharsets.UTF_8).length).put("created_at", 1_700_000_000L)
                .put("filename", filename).put("purpose", "batch").put("status", "processed").toString();
    }

    private static String batchObject(Batch b) {
        ObjectNode o = JSON.createObjectNode().put("id", b.id).put("object", "batch")
                .put("endpoint", "/v1/chat/completions").put("input_file_id", b.inputFileId)
                .put("completion_window", "24h").put("status", b.state).put("created_at", 1_700_000_000L);
        o.putNull("errors");
        if (b.outputFileId != null) {
            o.put("output_file_id", b.outputFileId);
        } else {
            o.putNull("output_file_id");
        }
        if (b.errorFileId != null) {
            o.put("error_file_id", b.errorFileId);
        } else {
            o.putNull("error_file_id");
        }
        o.putObject("request_counts").put("total", b.lines.size()).put("completed", b.completed)
                .put("failed", b.failed);
        return o.toString();
    }

    private static String error(String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("message", message).put("type", "test_error").putNull("code");
        return body.toString();
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }
}
