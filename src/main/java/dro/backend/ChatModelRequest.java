package dro.backend;

import dro.InvalidRequestException;
import dro.internal.Validation;
import java.util.ArrayList;
import java.util.List;

/**
 * One request to a {@link ChatModel}: messages plus sampling settings, validated once when built. Derive variants
 * with {@link #toBuilder()}.
 *
 * @param messages       the conversation, in order; at least one user message
 * @param n              replies to sample, at least 1
 * @param temperature    sampling temperature, 0 to 2
 * @param topP           nucleus sampling, in (0, 1]
 * @param maxNewTokens   at most this many tokens per reply
 * @param stop           stop strings (the reply ends before the first one)
 * @param seed           sampling seed, or null
 * @param responseFormat text, one JSON object, or JSON following a schema
 * @param rawPrompt      the model reads the messages' texts joined, with no chat template (base models trained as the
 *                       original trains them); only models with {@link ModelCapabilities.Capability#RAW_PROMPT} take it
 */
public record ChatModelRequest(List<ChatMessage> messages, int n, double temperature, double topP, int maxNewTokens,
                               List<String> stop, Long seed, ResponseFormat responseFormat, boolean rawPrompt) {

    public ChatModelRequest {
        if (messages == null || messages.stream().noneMatch(m -> m.role() == ChatMessage.Role.USER)) {
            throw new InvalidRequestException("messages must hold a user message, but were " + messages);
        }
        messages = List.copyOf(messages);
        if (n < 1) {
            throw new InvalidRequestException("n must be at least 1, but was " + n);
        }
        Validation.ensureTemperature(temperature, "temperature");
        Validation.ensureTopP(topP, "topP");
        Validation.ensurePositive(maxNewTokens, "maxNewTokens");
        stop = Validation.ensureStop(stop == null ? List.of() : stop, "stop");
        if (responseFormat == null) {
            responseFormat = ResponseFormat.TEXT;
        }
    }

    /** A request with a system message (left out when empty) and a user message, other settings at their defaults. */
    public static Builder builder(String system, String user) {
        Builder b = new Builder();
        if (system != null && !system.isEmpty()) {
            b.messages.add(ChatMessage.system(system));
        }
        b.messages.add(ChatMessage.user(user));
        return b;
    }

    /** A builder with no messages yet. */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.messages.addAll(messages);
        b.n = n;
        b.temperature = temperature;
        b.topP = topP;
        b.maxNewTokens = maxNewTokens;
        b.stop = stop;
        b.seed = seed;
        b.responseFormat = responseFormat;
        b.rawPrompt = rawPrompt;
        return b;
    }

    /** Whether the messages are an optional system message followed by one user message. */
    public boolean isSystemThenUser() {
        return messages.size() == 1 && messages.get(0).role() == ChatMessage.Role.USER
                || messages.size() == 2 && messages.get(0).role() == ChatMessage.Role.SYSTEM
                && messages.get(1).role() == ChatMessage.Role.USER;
    }

    /** The system message's text, or "" when there is none (for system-then-user requests). */
    public String system() {
        return messages.get(0).role() == ChatMessage.Role.SYSTEM ? messages.get(0).text() : "";
    }

    /** The last user message's text. */
    public String user() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == ChatMessage.Role.USER) {
                return messages.get(i).text();
            }
        }
        throw new IllegalStateException("no user message");
    }

    /** A request's temperature when none is given: 1, as OpenAI's API samples. */
    public static final double DEFAULT_TEMPERATURE = 1.0;
    /** A request's top-p when none is given: 1 (no nucleus cut). */
    public static final double DEFAULT_TOP_P = 1.0;
    /** A request's token cap when none is given. */
    public static final int DEFAULT_MAX_NEW_TOKENS = 2048;

    /**
     * Builds a {@link ChatModelRequest}; defaults: n 1, {@link #DEFAULT_TEMPERATURE}, {@link #DEFAULT_TOP_P},
     * {@link #DEFAULT_MAX_NEW_TOKENS}, no stop strings, text. Values are checked once, by the request.
     */
    public static final class Builder {
        private final List<ChatMessage> messages = new ArrayList<>();
        private int n = 1;
        private double temperature = DEFAULT_TEMPERATURE;
        private double topP = DEFAULT_TOP_P;
        private int maxNewTokens = DEFAULT_MAX_NEW_TOKENS;
        private List<String> stop = List.of();
        private Long seed;
        private ResponseFormat responseFormat = ResponseFormat.TEXT;
        private boolean rawPrompt;

        private Builder() { }

        public Builder messages(List<ChatMessage> m) {
            messages.clear();
            messages.addAll(m);
            return this;
        }

        public Builder addMessage(ChatMessage m) {
            messages.add(m);
            return this;
        }

        public Builder n(int v) {
            n = v;
            return this;
        }

        public Builder temperature(double v) {
            temperature = v;
            return this;
        }

        public Builder topP(double v) {
            topP = v;
            return this;
        }

        public Builder maxNewTokens(int v) {
            maxNewTokens = v;
            return this;
        }

        public Builder stop(List<String> v) {
            stop = v;
            return this;
        }

        public Builder stop(String... v) {
            stop = List.of(v);
            return this;
        }

        public Builder seed(Long v) {
            seed = v;
            return this;
        }

        public Builder responseFormat(ResponseFormat v) {
            responseFormat = v;
            return this;
        }

        public Builder rawPrompt(boolean v) {
            rawPrompt = v;
            return this;
        }

        public ChatModelRequest build() {
            return new ChatModelRequest(messages, n, temperature, topP, maxNewTokens, stop, seed, responseFormat,
                    rawPrompt);
        }
    }
}
