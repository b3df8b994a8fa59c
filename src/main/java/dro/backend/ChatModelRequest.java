package dro.backend;

import dro.InvalidRequestException;
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
        if (Double.isNaN(temperature) || temperature < 0 || temperature > 2) {
            throw new InvalidRequestException("temperature must be between 0.0 and 2.0, but was " + temperature);
        }
        if (Double.isNaN(topP) || topP <= 0 || topP > 1) {
            throw new InvalidRequestException("topP must be in (0, 1], but was " + topP);
        }
        if (maxNewTokens < 1) {
            throw new InvalidRequestException("maxNewTokens must be positive, but was " + maxNewTokens);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (stop.stream().anyMatch(String::isEmpty)) {
            throw new InvalidRequestException("stop strings must not be empty, but were " + stop);
        }
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

    /** Builds a {@link ChatModelRequest}; defaults: n 1, temperature 1, top-p 1, 2048 new tokens, text. */
    public static final class Builder {
        private final List<ChatMessage> messages = new ArrayList<>();
        private int n = 1;
        private double temperature = 1.0;
        private double topP = 1.0;
        private int maxNewTokens = 2048;
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
