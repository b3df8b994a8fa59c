package dro.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import dro.FinishReason;
import dro.GenerationException;
import dro.Generation;
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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Any LangChain4j {@link dev.langchain4j.model.chat.ChatModel} as a dro4j {@link ChatModel}: give it to
 * {@link dro.AutoModel.Builder#chatModel(ChatModel)} or to the training, ICL and evaluation roles, which take a dro4j
 * {@code ChatModel}.
 *
 * <p>What passes through: the messages (system, user and assistant turns), temperature, top-p, the token limit
 * ({@code maxOutputTokens}) and stop strings. Several replies ({@code n > 1}) are asked for one call at a time, the
 * prompt counted once. JSON object mode is sent as LangChain4j's {@code ResponseFormat.JSON} only when the builder is
 * told the model honours it ({@link Builder#jsonObject(boolean)}; LangChain4j's {@code supportedCapabilities()} names
 * only JSON schema). JSON schema mode is not offered (a dro4j schema is a JSON text, LangChain4j's a tree of its own
 * types). A seed is passed only
 * through {@link Builder#seedParameters(Function)}, since LangChain4j has no provider-neutral seed. Everything else is
 * declared unsupported in {@link #capabilities()}, so a request asking for it is refused naming the feature, and the
 * roles fall back to re-asks. A reply is streamed as one piece (LangChain4j's blocking model is called).
 */
public final class LangChain4jChatModel extends ChatModel {

    private final dev.langchain4j.model.chat.ChatModel delegate;
    private final String name;
    private final boolean jsonObject;
    private final Function<Long, ChatRequestParameters> seedParameters;

    private LangChain4jChatModel(Builder b) {
        this.delegate = b.model;
        this.name = b.name != null ? b.name : "LangChain4j " + b.model.getClass().getSimpleName();
        this.jsonObject = b.jsonObject;
        this.seedParameters = b.seedParameters;
    }

    /** The LangChain4j model with the defaults: no JSON object mode, no seed. */
    public static LangChain4jChatModel of(dev.langchain4j.model.chat.ChatModel model) {
        return builder().model(model).build();
    }

    /** A builder; {@link Builder#model} is required. */
    public static Builder builder() {
        LangChain4jSupport.ensureAvailable();
        return new Builder();
    }

    /** The LangChain4j model this adapter calls. */
    public dev.langchain4j.model.chat.ChatModel delegate() {
        return delegate;
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public ModelCapabilities capabilities() {
        return ModelCapabilities.of(Capability.MULTI_TURN)
                .with(Capability.JSON_OBJECT, jsonObject)
                .with(Capability.SEED, seedParameters != null);
    }

    @Override
    protected ChatModelResponse doChat(ChatModelRequest request) {
        ChatRequest lc = toLangChain4j(request);
        ReplyTally tally = new ReplyTally(request.n());
        for (int i = 0; i < request.n(); i++) {
            ChatResponse r = call(lc);
            TokenUsage u = r.tokenUsage();
            tally.add(r.aiMessage() == null ? null : r.aiMessage().text(), finishReason(r.finishReason()),
                    u == null ? null : u.inputTokenCount(), u == null ? null : u.outputTokenCount());
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

    private ChatResponse call(ChatRequest request) {
        try {
            return delegate.chat(request);
        } catch (TimeoutException e) {
            throw new GenerationException(name + " timed out: " + e.getMessage(), e, true);
        } catch (LangChain4jException e) {
            throw new GenerationException(name + " failed: " + e.getMessage(), e, e instanceof RetriableException);
        }
    }

    private ChatRequest toLangChain4j(ChatModelRequest r) {
        List<dev.langchain4j.data.message.ChatMessage> messages = new ArrayList<>();
        for (ChatMessage m : r.messages()) {
            switch (m.role()) {
                case SYSTEM -> {
                    if (!m.text().isEmpty()) {
                        messages.add(SystemMessage.from(m.text()));
                    }
                }
                case USER -> messages.add(UserMessage.from(m.text()));
                case ASSISTANT -> messages.add(AiMessage.from(m.text()));
                default -> throw new InvalidRequestException("unknown role " + m.role());
            }
        }
        var p = ChatRequestParameters.builder().temperature(r.temperature()).topP(r.topP())
                .maxOutputTokens(r.maxNewTokens());
        if (!r.stop().isEmpty()) {
            p.stopSequences(r.stop());
        }
        switch (r.responseFormat().type()) {
            case JSON_OBJECT -> p.responseFormat(dev.langchain4j.model.chat.request.ResponseFormat.JSON);
            case JSON_SCHEMA -> throw new IllegalStateException("JSON schema mode passed the capability check");
            default -> { }
        }
        ChatRequestParameters params = p.build();
        if (r.seed() != null && seedParameters != null) {
            params = seedParameters.apply(r.seed()).overrideWith(params);
        }
        return ChatRequest.builder().messages(messages).parameters(params).build();
    }

    private static FinishReason finishReason(dev.langchain4j.model.output.FinishReason r) {
        return r == dev.langchain4j.model.output.FinishReason.LENGTH ? FinishReason.LENGTH : FinishReason.STOP;
    }

    /** Builds a {@link LangChain4jChatModel}. */
    public static final class Builder {
        private dev.langchain4j.model.chat.ChatModel model;
        private String name;
        private boolean jsonObject;
        private Function<Long, ChatRequestParameters> seedParameters;

        private Builder() {
        }

        /** The LangChain4j model to call (required). */
        public Builder model(dev.langchain4j.model.chat.ChatModel model) {
            this.model = model;
            return this;
        }

        /** The name used in messages and logs; default "LangChain4j " and the model's class name. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Whether the model honours LangChain4j's {@code ResponseFormat.JSON} (JSON object mode), e.g. an OpenAI
         * model; default false, so roles that want JSON re-ask instead.
         */
        public Builder jsonObject(boolean jsonObject) {
            this.jsonObject = jsonObject;
            return this;
        }

        /**
         * How a request's seed becomes provider-specific parameters, e.g.
         * {@code seed -> OpenAiChatRequestParameters.builder().seed(seed.intValue()).build()}; without it the model
         * declares no seed support.
         */
        public Builder seedParameters(Function<Long, ChatRequestParameters> seedParameters) {
            this.seedParameters = seedParameters;
            return this;
        }

        /**
         * @throws InvalidRequestException when no model was given
         */
        public LangChain4jChatModel build() {
            if (model == null) {
                throw new InvalidRequestException("model must not be null: give the LangChain4j ChatModel to adapt");
            }
            if (name != null && name.isBlank()) {
                throw new InvalidRequestException("name must not be blank, but was \"" + name + "\"");
            }
            return new LangChain4jChatModel(this);
        }
    }
}
