package dro.springai;

import dro.FinishReason;
import dro.Generation;
import dro.GenerationException;
import dro.InvalidRequestException;
import dro.TokenStream;
import dro.backend.ChatMessage;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ModelCapabilities;
import dro.backend.ModelCapabilities.Capability;
import dro.bridge.Delegates;
import dro.bridge.ReplyTally;
import java.io.InterruptedIOException;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * Any Spring AI {@link org.springframework.ai.chat.model.ChatModel} (OpenAI, Anthropic, Ollama, Gemini, Bedrock, ...)
 * as a dro4j {@link ChatModel}: give it to {@link dro.AutoModel.Builder#chatModel(ChatModel)} or to the training, ICL
 * and evaluation roles, which take a dro4j {@code ChatModel}.
 *
 * <p>What passes through: the messages (system, user and assistant turns), temperature, top-p, the token limit
 * ({@code maxTokens}) and stop strings, set on the model's own default options ({@code getDefaultOptions().mutate()},
 * so its model name and provider settings stay). Several replies ({@code n > 1}) are asked for one call at a time, the
 * prompt counted once. Spring AI has no provider-neutral seed or JSON mode: a seed is passed only through
 * {@link Builder#seedOptions(Function)} and JSON object mode only through {@link Builder#jsonObjectOptions(Supplier)},
 * each giving the provider's own options (e.g. {@code OpenAiChatOptions}). Without them, and for JSON schema mode, raw
 * prompts and evaluated-token counts, {@link #capabilities()} declares the feature unsupported, so a request asking
 * for it is refused naming it, and the roles fall back to re-asks. A reply is streamed as one piece (the blocking
 * {@code call} is used, whose usage every provider reports).
 *
 * <p>Errors: whatever the Spring AI model throws becomes a {@link GenerationException}, retriable when it is a timeout
 * or I/O failure, Spring AI's {@code TransientAiException}, or an HTTP 408, 409, 429 or 5xx of the OpenAI client
 * (anywhere in the cause chain). Thread-safe as the Spring AI model is.
 */
public final class SpringAiChatModel extends ChatModel {

    private final org.springframework.ai.chat.model.ChatModel delegate;
    private final String name;
    private final Function<Long, ChatOptions.Builder<?>> seedOptions;
    private final Supplier<ChatOptions.Builder<?>> jsonObjectOptions;

    private SpringAiChatModel(Builder b) {
        this.delegate = b.model;
        this.name = b.name != null ? b.name : "Spring AI " + b.model.getClass().getSimpleName();
        this.seedOptions = b.seedOptions;
        this.jsonObjectOptions = b.jsonObjectOptions;
    }

    /** The Spring AI model with the defaults: no JSON object mode, no seed. */
    public static SpringAiChatModel of(org.springframework.ai.chat.model.ChatModel model) {
        return builder().model(model).build();
    }

    /** A builder; {@link Builder#model} is required. */
    public static Builder builder() {
        SpringAiSupport.ensureModel();
        return new Builder();
    }

    /** The Spring AI model this adapter calls. */
    public org.springframework.ai.chat.model.ChatModel delegate() {
        return delegate;
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public ModelCapabilities capabilities() {
        return ModelCapabilities.of(Capability.MULTI_TURN)
                .with(Capability.JSON_OBJECT, jsonObjectOptions != null)
                .with(Capability.SEED, seedOptions != null);
    }

    @Override
    protected ChatModelResponse doChat(ChatModelRequest request) {
        Prompt prompt = toSpringAi(request);
        ReplyTally tally = new ReplyTally(request.n());
        for (int i = 0; i < request.n(); i++) {
            org.springframework.ai.chat.model.ChatResponse r = call(prompt);
            org.springframework.ai.chat.model.Generation g = r == null ? null : r.getResult();
            org.springframework.ai.chat.metadata.Usage u = r == null || r.getMetadata() == null ? null
                    : r.getMetadata().getUsage();
            tally.add(g == null || g.getOutput() == null ? null : g.getOutput().getText(),
                    finishReason(g == null || g.getMetadata() == null ? null : g.getMetadata().getFinishReason()),
                    u == null ? null : u.getPromptTokens(), u == null ? null : u.getCompletionTokens());
        }
        return tally.response();
    }

    @Override
    protected TokenStream doStream(ChatModelRequest request) {
        ChatModelResponse r = doChat(request);
        return TokenStream.ofWhole(new Generation(r.text(), r.usage(), r.finishReason()));
    }

    @Override
    public void close() {
        Delegates.close(delegate, name);
    }

    private org.springframework.ai.chat.model.ChatResponse call(Prompt prompt) {
        try {
            return delegate.call(prompt);
        } catch (RuntimeException e) {
            boolean retriable = retriable(e);
            throw new GenerationException(name + (timedOut(e) ? " timed out: " : " failed: ") + e.getMessage(), e,
                    retriable);
        }
    }

    private Prompt toSpringAi(ChatModelRequest r) {
        List<Message> messages = new ArrayList<>();
        for (ChatMessage m : r.messages()) {
            switch (m.role()) {
                case SYSTEM -> {
                    if (!m.text().isEmpty()) {
                        messages.add(new SystemMessage(m.text()));
                    }
                }
                case USER -> messages.add(new UserMessage(m.text()));
                case ASSISTANT -> messages.add(new AssistantMessage(m.text()));
                default -> throw new InvalidRequestException("unknown role " + m.role());
            }
        }
        ChatOptions defaults = delegate.getDefaultOptions();
        ChatOptions.Builder<?> o = defaults != null ? defaults.mutate() : ChatOptions.builder();
        switch (r.responseFormat().type()) {
            case JSON_OBJECT -> o.combineWith(jsonObjectOptions.get());
            case JSON_SCHEMA -> throw new IllegalStateException("JSON schema mode passed the capability check");
            default -> { }
        }
        if (r.seed() != null && seedOptions != null) {
            o.combineWith(seedOptions.apply(r.seed()));
        }
        o.temperature(r.temperature()).topP(r.topP()).maxTokens(r.maxNewTokens())
                .stopSequences(r.stop().isEmpty() ? null : r.stop());
        return new Prompt(messages, o.build());
    }

    private static FinishReason finishReason(String reason) {
        if (reason == null) {
            return FinishReason.STOP;
        }
        String r = reason.toLowerCase(Locale.ROOT);
        return r.equals("length") || r.equals("max_tokens") ? FinishReason.LENGTH : FinishReason.STOP;
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedIOException || t instanceof HttpTimeoutException
                    || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static boolean retriable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.io.IOException || t instanceof TimeoutException
                    || t instanceof com.openai.errors.OpenAIIoException
                    || t.getClass().getSimpleName().equals("TransientAiException")) {
                return true;
            }
            if (t instanceof com.openai.errors.OpenAIServiceException s) {
                int status = s.statusCode();
                return status == 408 || status == 409 || status == 429 || status >= 500;
            }
        }
        return false;
    }

    /** Builds a {@link SpringAiChatModel}. */
    public static final class Builder {
        private org.springframework.ai.chat.model.ChatModel model;
        private String name;
        private Function<Long, ChatOptions.Builder<?>> seedOptions;
        private Supplier<ChatOptions.Builder<?>> jsonObjectOptions;

        private Builder() {
        }

        /** The Spring AI model to call (required). */
        public Builder model(org.springframework.ai.chat.model.ChatModel model) {
            this.model = model;
            return this;
        }

        /** The name used in messages, logs and usage totals; default "Spring AI " and the model's class name. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * How a request's seed becomes the provider's options, combined over the model's defaults, e.g.
         * {@code seed -> OpenAiChatOptions.builder().seed(seed.intValue())}; without it the model declares no seed
         * support.
         */
        public Builder seedOptions(Function<Long, ChatOptions.Builder<?>> seedOptions) {
            this.seedOptions = seedOptions;
            return this;
        }

        /**
         * The provider's options that ask for one JSON object (JSON object mode), e.g.
         * {@code () -> OpenAiChatOptions.builder().responseFormat(ResponseFormat.builder().type(JSON_OBJECT).build())};
         * without it the model declares no JSON object mode, so roles that want JSON re-ask instead.
         */
        public Builder jsonObjectOptions(Supplier<ChatOptions.Builder<?>> jsonObjectOptions) {
            this.jsonObjectOptions = jsonObjectOptions;
            return this;
        }

        /**
         * @throws InvalidRequestException when no model was given or the name is blank
         */
        public SpringAiChatModel build() {
            if (model == null) {
                throw new InvalidRequestException("model must not be null: give the Spring AI ChatModel to adapt");
            }
            if (name != null && name.isBlank()) {
                throw new InvalidRequestException("name must not be blank, but was \"" + name + "\"");
            }
            return new SpringAiChatModel(this);
        }
    }
}
