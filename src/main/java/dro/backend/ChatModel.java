package dro.backend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dro.InvalidRequestException;
import dro.TokenStream;
import dro.internal.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A chat model: messages in, {@code n} sampled replies with usage and finish reasons out; blocking or streaming.
 * Implemented by the local llama.cpp model and by OpenAI-compatible endpoints.
 *
 * <h2>Calling</h2>
 * {@link #chat} and {@link #stream} validate a request against {@link #capabilities()} and hand it to the provider's
 * hook ({@link #doChat}, {@link #doStream}); callers use those two and ask {@link #capabilities()} before they use a
 * feature. The calls are final and the hooks protected, so no caller skips the check. A stream is cancellable from
 * any thread ({@link TokenStream#cancel()}); a model's timeout ends a call that
 * runs too long with a retriable {@link dro.DroException}.
 *
 * <h2>Batches</h2>
 * {@link #chatAll} answers many requests, as concurrently as the model allows (a local model's parallel slots, an
 * endpoint's concurrency limit); {@link #chatAllSharingPrefixes} may also reorder them so that prompts sharing a
 * prefix run one after another, for a model that reuses what it computed for a prompt. Both check every request
 * before any is sent and answer in request order.
 *
 * <h2>Usage</h2>
 * {@code completionTokens} counts the tokens generated, whatever they decode to (a stop string's tokens included);
 * the finish reason is {@code LENGTH} when {@code maxNewTokens} ended a reply, {@code STOP} on a stop string or the
 * end of generation.
 *
 * <p>Implementations are thread-safe.
 */
public abstract class ChatModel implements AutoCloseable {

    /** For implementations: a provider implements the hooks, a decorator extends {@link ForwardingChatModel}. */
    protected ChatModel() {
    }

    /** A stable name of the model (recorded in caches and reports). */
    public abstract String modelName();

    /** What this model supports. */
    public abstract ModelCapabilities capabilities();

    /** Generates the request's {@code n} replies to the end. */
    public final ChatModelResponse chat(ChatModelRequest request) {
        if (request == null) {
            throw new InvalidRequestException("request must not be null");
        }
        capabilities().check(request, modelName());
        return doChat(request);
    }

    /**
     * Starts one reply whose pieces arrive as the model produces them.
     *
     * @throws InvalidRequestException if the request asks for more than one reply
     */
    public final TokenStream stream(ChatModelRequest request) {
        if (request == null) {
            throw new InvalidRequestException("request must not be null");
        }
        capabilities().check(request, modelName());
        if (request.n() != 1) {
            throw new InvalidRequestException("a stream carries one reply, but n was " + request.n());
        }
        return doStream(request);
    }

    /** Answers every request, as concurrently as the model allows; in request order. */
    public final List<ChatModelResponse> chatAll(List<ChatModelRequest> requests) {
        return doChatAll(checkAll(requests), false);
    }

    /**
     * Answers every request like {@link #chatAll}, free to run them in an order that reuses prompt prefixes (see
     * "Batches" above); in request order.
     */
    public final List<ChatModelResponse> chatAllSharingPrefixes(List<ChatModelRequest> requests) {
        return doChatAll(checkAll(requests), true);
    }

    /**
     * The exact text the model reads for {@code request}: a local model's prompt after its chat template (or the raw
     * prompt); by default the messages as JSON text, {@code [{"role":"system","content":...},...]}, which is what an
     * API reads.
     */
    public String renderPrompt(ChatModelRequest request) {
        ArrayNode messages = Json.MAPPER.createArrayNode();
        for (ChatMessage m : request.messages()) {
            if (m.role() != ChatMessage.Role.SYSTEM || !m.text().isEmpty()) {
                messages.addObject().put("role", m.role().name().toLowerCase(Locale.ROOT)).put("content", m.text());
            }
        }
        try {
            return Json.MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(messages);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<ChatModelRequest> checkAll(List<ChatModelRequest> requests) {
        if (requests == null) {
            throw new InvalidRequestException("requests must not be null");
        }
        List<ChatModelRequest> checked = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            ChatModelRequest r = requests.get(i);
            if (r == null) {
                throw new InvalidRequestException("requests[" + i + "] must not be null");
            }
            capabilities().check(r, modelName());
            checked.add(r);
        }
        return checked;
    }

    /**
     * The provider's batch hook: every request is valid and within {@link #capabilities()}; {@code sharePrefixes}: the
     * caller allows reordering for prefix reuse. By default the requests run one after another.
     */
    protected List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        List<ChatModelResponse> out = new ArrayList<>(requests.size());
        for (ChatModelRequest r : requests) {
            out.add(doChat(r));
        }
        return out;
    }

    /** The provider's blocking hook: {@code request} is valid and within {@link #capabilities()}. */
    protected abstract ChatModelResponse doChat(ChatModelRequest request);

    /** The provider's streaming hook: {@code request} is valid, within {@link #capabilities()}, with {@code n = 1}. */
    protected abstract TokenStream doStream(ChatModelRequest request);

    /** Releases what can be released. The model must not be used afterwards. */
    @Override
    public abstract void close();
}
