package dro.backend.openai;

import static dro.internal.Validation.ensureBetween;
import static dro.internal.Validation.ensureNotNull;

import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dro.FinishReason;
import dro.Generation;
import dro.GenerationException;
import dro.InvalidResponseException;
import dro.TokenStream;
import dro.Usage;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ModelCapabilities;
import dro.backend.ModelCapabilities.Capability;
import dro.backend.internal.PieceStream;
import dro.backend.ResponseFormat;
import dro.internal.Parallel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChatModel} on an OpenAI-compatible endpoint: the system and user message go as they are (see
 * {@link OpenAiChatClient} for the request, the key and errors). One attempt per call: wrap it in a
 * {@link dro.backend.RetryingChatModel} to retry.
 *
 * <ul>
 *   <li>{@link #renderPrompt(ChatModelRequest)} returns the messages as JSON text, {@code [{"role": "system", ...},
 *   {"role": "user", ...}]}: what the endpoint reads.</li>
 *   <li>{@link #stream} streams server-sent events; pieces arrive as the endpoint sends them and the usage comes
 *   from the final chunk ({@code stream_options.include_usage}). A failure while the stream opens is thrown like a
 *   blocking call's (a {@link dro.backend.RetryingChatModel} over the backend retries it); one in the middle of a
 *   stream is thrown, never retried (pieces have been handed out already).</li>
 *   <li>{@link #chatAll} sends at most {@link #maxConcurrency()} requests at once.</li>
 *   <li>Stop strings are cut by the endpoint; more than {@value OpenAiChatClient#MAX_STOP_STRINGS} are rejected
 *   before anything is sent.</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #close()} closes the client.
 */
public final class OpenAiBackend extends ChatModel {

    private static final Logger log = LoggerFactory.getLogger(OpenAiBackend.class);

    /** Requests {@link #chatAll} sends at once unless told otherwise. */
    public static final int DEFAULT_MAX_CONCURRENCY = 4;

    private final OpenAiChatClient client;
    private final int maxConcurrency;

    private OpenAiBackend(OpenAiChatClient client, int maxConcurrency) {
        this.client = client;
        this.maxConcurrency = maxConcurrency;
    }

    /**
     * A backend on {@code client}, which it then owns (and closes).
     *
     * @param maxConcurrency requests {@link #chatAll} sends at once, 1 to 256
     */
    public static OpenAiBackend create(OpenAiChatClient client, int maxConcurrency) {
        ensureNotNull(client, "client");
        return new OpenAiBackend(client, ensureBetween(maxConcurrency, 1, 256, "maxConcurrency"));
    }

    /** The lower-level client this backend sends through. */
    public OpenAiChatClient client() {
        return client;
    }

    public int maxConcurrency() {
        return maxConcurrency;
    }

    @Override
    public String modelName() {
        return client.modelName();
    }

    /**
     * {@code n} replies from one call, JSON object and JSON schema mode, seeds; at most
     * {@value OpenAiChatClient#MAX_STOP_STRINGS}
     * stop strings; one system and one user message.
     */
    @Override
    public ModelCapabilities capabilities() {
        return ModelCapabilities.of(Capability.NATIVE_N, Capability.JSON_OBJECT, Capability.JSON_SCHEMA, Capability.SEED)
                .withMaxStopStrings(OpenAiChatClient.MAX_STOP_STRINGS);
    }

    @Override
    protected ChatModelResponse doChat(ChatModelRequest r) {
        return client.completeAll(params(r, false), r.n());
    }

    @Override
    protected TokenStream doStream(ChatModelRequest r) {
        return new OpenAiTokenStream(client.openStream(params(r, true)));
    }

    private ChatCompletionCreateParams params(ChatModelRequest r, boolean stream) {
        return client.params(r.system(), r.user(), r.temperature(), r.topP(), r.maxNewTokens(), r.n(), r.seed(),
                r.responseFormat(), r.stop(), stream);
    }

    /** Sends at most {@link #maxConcurrency()} requests at once. */
    @Override
    protected List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        List<ChatCompletionCreateParams> params = new ArrayList<>(requests.size());
        for (ChatModelRequest r : requests) {
            params.add(params(r, false));
        }
        return Parallel.map(params.size(), i -> client.completeAll(params.get(i), requests.get(i).n()), maxConcurrency,
                "dro4j-openai");
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "OpenAiBackend{" + client.errors().where() + ", maxConcurrency=" + maxConcurrency + "}";
    }

    /** Pieces of one streamed answer; {@link #cancel()} closes the HTTP response from any thread. */
    private final class OpenAiTokenStream extends PieceStream {
        private final StreamResponse<ChatCompletionChunk> response;
        private final Iterator<ChatCompletionChunk> chunks;
        private FinishReason reported;
        private Usage usage;
        private boolean sawChunk;

        OpenAiTokenStream(StreamResponse<ChatCompletionChunk> response) {
            this.response = response;
            Iterator<ChatCompletionChunk> it;
            try {
                it = response.stream().iterator();
            } catch (RuntimeException e) {
                response.close();
                throw client.errors().map(e);
            }
            this.chunks = it;
        }

        @Override
        protected String nextPiece() {
            try {
                while (chunks.hasNext()) {
                    ChatCompletionChunk chunk = chunks.next();
                    sawChunk = true;
                    chunk.usage().ifPresent(u -> usage = OpenAiChatClient.usage(u));
                    StringBuilder piece = new StringBuilder();
                    for (ChatCompletionChunk.Choice choice : chunk._choices().asKnown().orElse(List.of())) {
                        if (choice.index() != 0) {
                            continue;
                        }
                        choice.finishReason().ifPresent(f -> reported = OpenAiChatClient.finishReason(f.asString()));
                        choice.delta().content().ifPresent(piece::append);
                    }
                    if (piece.length() > 0) {
                        return piece.toString();
                    }
                }
                if (!sawChunk && !cancelRequested()) {
                    // an endpoint always sends at least one chunk; none is an answer that is not a stream (garbage)
                    throw new InvalidResponseException("The answer from " + client.errors().where() + " is not a"
                            + " stream of chat completion chunks: it ended without one", -1, "", null, null);
                }
                return null;
            } catch (RuntimeException e) {
                if (cancelRequested()) {
                    log.debug("stream cancelled: {}", client.errors().redact(e.toString()));
                    throw e;
                }
                throw client.errors().map(e);
            }
        }

        @Override
        protected FinishReason naturalEnd() {
            response.close();
            return reported != null ? reported : FinishReason.STOP;
        }

        @Override
        protected void stop() {
            response.close();
        }

        @Override
        protected void interrupt() {
            response.close(); // unblocks the reading thread, which then ends the stream as cancelled
        }

        @Override
        protected Usage usage(String text) {
            return usage != null ? usage : Usage.NONE;
        }

        @Override
        protected void release() {
            response.close();
        }
    }
}
