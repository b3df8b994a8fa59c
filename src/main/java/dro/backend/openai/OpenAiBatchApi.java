package dro.backend.openai;

import static dro.internal.Validation.ensureNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.core.MultipartField;
import com.openai.core.ObjectMappers;
import com.openai.core.http.HttpResponse;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.batches.BatchRequestCounts;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import dro.DroException;
import dro.backend.internal.BatchApi;
import dro.backend.ChatModelRequest;
import dro.backend.ResponseFormat;
import dro.backend.RetryPolicy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenAI's Batch API for the model of an {@link OpenAiChatClient}, through openai-java's {@code files()} and
 * {@code batches()} services: the lines are uploaded as a JSONL file ({@code purpose: batch}) of
 * {@code {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}}, where the body is exactly what
 * {@link OpenAiBackend} sends for the request; the batch is created with a 24-hour completion window; answers come
 * from the output file and failures from the error file.
 *
 * <p>Each HTTP call (upload, create, poll, download) is retried under the given {@link RetryPolicy}, its failures
 * mapped like a chat call's: these are no model calls, so no retry decorator wraps them, and this is their one retry
 * layer. Thread-safe.
 */
public final class OpenAiBatchApi implements BatchApi {

    private static final Logger log = LoggerFactory.getLogger(OpenAiBatchApi.class);
    private static final Set<String> TERMINAL = Set.of("completed", "failed", "expired", "cancelled");

    private final OpenAiBackend backend;
    private final RetryPolicy retryPolicy;

    private OpenAiBatchApi(OpenAiBackend backend, RetryPolicy retryPolicy) {
        this.backend = backend;
        this.retryPolicy = retryPolicy;
    }

    /** The batches of {@code backend}'s model and endpoint, each HTTP call retried under {@code retryPolicy}. */
    public static OpenAiBatchApi of(OpenAiBackend backend, RetryPolicy retryPolicy) {
        return new OpenAiBatchApi(ensureNotNull(backend, "backend"), ensureNotNull(retryPolicy, "retryPolicy"));
    }

    @Override
    public String modelName() {
        return backend.modelName();
    }

    /** One line of the input file. */
    String line(BatchApi.Line line) {
        ChatModelRequest r = line.request();
        backend.capabilities().check(r, backend.modelName());
        OpenAiChatClient c = backend.client();
        Object body = c.params(r.system(), r.user(), r.temperature(), r.topP(), r.maxNewTokens(), r.n(), r.seed(),
                r.responseFormat(), r.stop(), false)._body();
        JsonMapper mapper = ObjectMappers.jsonMapper();
        ObjectNode o = mapper.createObjectNode();
        o.put("custom_id", line.customId()).put("method", "POST").put("url", "/v1/chat/completions");
        o.set("body", mapper.valueToTree(body));
        return o.toString();
    }

    @Override
    public String submit(List<Line> lines) {
        StringBuilder jsonl = new StringBuilder();
        for (Line l : lines) {
            jsonl.append(line(l)).append('\n');
        }
        byte[] bytes = jsonl.toString().getBytes(StandardCharsets.UTF_8);
        String fileId = call(() -> backend.client().api().files().create(FileCreateParams.builder()
                .file(MultipartField.<InputStream>builder().value(new ByteArrayInputStream(bytes))
                        .filename("dro4j-batch.jsonl").contentType("application/jsonl").build())
                .purpose(FilePurpose.BATCH).build()).id());
        Batch b = call(() -> backend.client().api().batches().create(BatchCreateParams.builder()
                .inputFileId(fileId).endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
                .completionWindow(BatchCreateParams.CompletionWindow._24H).build()));
        log.debug("batch {} created from file {} ({} lines, {} bytes)", b.id(), fileId, lines.size(), bytes.length);
        return b.id();
    }

    @Override
    public Status status(String batchId) {
        Batch b = call(() -> backend.client().api().batches().retrieve(batchId));
        String state = b._status().asKnown().map(Batch.Status::asString).orElse("unknown");
        BatchRequestCounts n = b.requestCounts().orElse(null);
        return new Status(batchId, state, n == null ? 0 : n.completed(), n == null ? 0 : n.failed(),
                n == null ? 0 : n.total(), TERMINAL.contains(state));
    }

    @Override
    public Map<String, Outcome> outcomes(String batchId) {
        Batch b = call(() -> backend.client().api().batches().retrieve(batchId));
        Map<String, Outcome> out = new LinkedHashMap<>();
        b.errorFileId().ifPresent(f -> read(f, out));
        b.outputFileId().ifPresent(f -> read(f, out)); // an answer wins over an earlier failure of the same line
        return out;
    }

    private void read(String fileId, Map<String, Outcome> out) {
        String text = call(() -> {
            try (HttpResponse h = backend.client().api().files().content(fileId)) {
                return new String(h.body().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        JsonMapper mapper = ObjectMappers.jsonMapper();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode o;
            try {
                o = mapper.readTree(line);
            } catch (IOException e) {
                log.warn("An unreadable line in batch file {} was skipped: {}", fileId, e.getMessage());
                continue;
            }
            String id = o.path("custom_id").asText(null);
            if (id == null) {
                continue;
            }
            out.put(id, outcome(o, mapper));
        }
    }

    private Outcome outcome(JsonNode o, JsonMapper mapper) {
        JsonNode error = o.path("error");
        if (error.isObject()) {
            return new Outcome(null, error.path("message").asText(error.toString()));
        }
        JsonNode response = o.path("response");
        int status = response.path("status_code").asInt(0);
        JsonNode body = response.path("body");
        if (status != 200) {
            return new Outcome(null, "HTTP " + status + ": " + body.path("error").path("message").asText(body.toString()));
        }
        try {
            ChatCompletion c = mapper.treeToValue(body, ChatCompletion.class);
            return new Outcome(backend.client().response(c, 1), null);
        } catch (IOException | RuntimeException e) {
            return new Outcome(null, "unreadable chat completion: " + e.getMessage());
        }
    }

    private <T> T call(Supplier<T> attempt) {
        return retryPolicy.execute(() -> {
            try {
                return attempt.get();
            } catch (DroException e) {
                throw e;
            } catch (RuntimeException e) {
                throw backend.client().errors().map(e);
            }
        });
    }

    @Override
    public String toString() {
        return "OpenAiBatchApi{" + backend + "}";
    }
}
