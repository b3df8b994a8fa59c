package dro.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dro.AutoModel;
import dro.GenerateOptions;
import java.util.List;

/**
 * A DRO {@link AutoModel} as a LangChain4j {@link dev.langchain4j.model.chat.ChatModel}, usable in {@code AiServices}
 * and anywhere LangChain4j takes a chat model.
 *
 * <p>The last message is the query and must be a text user message. It is answered as
 * {@link AutoModel#complete(String, GenerateOptions)} answers it: under the optimised system prompt and the ICL
 * examples retrieved for it (as the {@link GenerateOptions} given to the builder say). A caller's
 * {@code SystemMessage} replaces the optimised prompt, as {@code userSpecifiedSystemPrompt} does. Earlier turns (chat
 * memory) are not sent: DRO answers one query under its prompt, so a conversation's history does not reach the model.
 *
 * <p>Request parameters honoured: {@code temperature}, {@code topP}, {@code maxOutputTokens} and {@code stopSequences}
 * (added to DRO's stop strings). Any other that is set ({@code topK}, penalties, tools, tool choice, a JSON response
 * format, {@code modelName}) is refused with LangChain4j's {@code UnsupportedFeatureException} naming it. Token usage
 * and finish reason come back in LangChain4j's types; listeners given to the builder fire through LangChain4j's own
 * {@code chat} method.
 */
public final class DroChatModel implements dev.langchain4j.model.chat.ChatModel {

    private final AutoModel model;
    private final GenerateOptions options;
    private final List<ChatModelListener> listeners;
    private final String name;

    private DroChatModel(AutoModel model, GenerateOptions options, List<ChatModelListener> listeners, String name) {
        this.model = model;
        this.options = options;
        this.listeners = listeners;
        this.name = name;
    }

    /** A builder; {@link Builder#model(AutoModel)} is required. */
    public static Builder builder() {
        LangChain4jSupport.ensureAvailable();
        return new Builder();
    }

    /** The AutoModel answering. */
    public AutoModel model() {
        return model;
    }

    /** The options each request starts from. */
    public GenerateOptions options() {
        return options;
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        DroRequests.Query q = DroRequests.toQuery(request, options);
        return DroRequests.toResponse(model.complete(q.text(), q.options()), name);
    }

    @Override
    public List<ChatModelListener> listeners() {
        return listeners;
    }

    /** Builds a {@link DroChatModel} (or, with {@link #buildStreaming()}, a {@link DroStreamingChatModel}). */
    public static final class Builder {
        private AutoModel model;
        private GenerateOptions options = GenerateOptions.DEFAULTS;
        private List<ChatModelListener> listeners = List.of();
        private String name = "dro4j";

        private Builder() {
        }

        /** The AutoModel that answers (required). */
        public Builder model(AutoModel model) {
            this.model = model;
            return this;
        }

        /** The options every request starts from; default {@link GenerateOptions#DEFAULTS}. */
        public Builder options(GenerateOptions options) {
            this.options = options;
            return this;
        }

        /** LangChain4j listeners told of every request, response and error. */
        public Builder listeners(List<ChatModelListener> listeners) {
            this.listeners = listeners;
            return this;
        }

        /** The model name reported in responses; default "dro4j". */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * @throws dro.InvalidRequestException naming the missing or bad setting
         */
        public DroChatModel build() {
            check();
            return new DroChatModel(model, options, List.copyOf(listeners), name);
        }

        /** The streaming form of the same model. */
        public DroStreamingChatModel buildStreaming() {
            check();
            return new DroStreamingChatModel(model, options, List.copyOf(listeners), name);
        }

        private void check() {
            if (model == null) {
                throw new dro.InvalidRequestException("model must not be null: give the AutoModel that answers");
            }
            if (options == null) {
                throw new dro.InvalidRequestException("options must not be null");
            }
            if (listeners == null || listeners.stream().anyMatch(java.util.Objects::isNull)) {
                throw new dro.InvalidRequestException("listeners must not be or hold null, but were " + listeners);
            }
            if (name == null || name.isBlank()) {
                throw new dro.InvalidRequestException("name must not be blank, but was " + name);
            }
        }
    }
}
