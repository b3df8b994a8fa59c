package dro.springai;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.InvalidRequestException;
import dro.TokenStream;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.StreamingChatModel;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.chat.observation.ChatModelObservationDocumentation;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * A DRO {@link AutoModel} (a local GGUF or an endpoint) as a Spring AI {@link org.springframework.ai.chat.model.ChatModel}
 * and {@link StreamingChatModel}, usable in a {@code ChatClient} and anywhere Spring AI takes a chat model.
 *
 * <p>The last message is the query and must be a text user message. It is answered as
 * {@link AutoModel#complete(String, GenerateOptions)} answers it: under the optimised system prompt and the ICL
 * examples retrieved for it (as the {@link GenerateOptions} given to the builder say). A caller's {@code SystemMessage}
 * replaces the optimised prompt, as {@code userSpecifiedSystemPrompt} does. Earlier turns (chat memory) are not sent:
 * DRO answers one query under its prompt (logged at debug level).
 *
 * <p>Options honoured: {@code temperature}, {@code topP}, {@code maxTokens} and {@code stopSequences} (added to DRO's
 * stop strings). Any other that is set ({@code model}, {@code topK}, {@code frequencyPenalty},
 * {@code presencePenalty}, tools) is refused with an {@link InvalidRequestException} naming it. The response carries
 * the cleaned answer, {@code DefaultUsage} and the finish reason ({@code STOP}, {@code LENGTH}; a cancelled stream
 * {@code CANCELLED}). {@link #stream(Prompt)} emits each piece as it is generated (the model's raw text), then one last
 * response with empty text, the finish reason and the usage; cancelling the subscription stops the generation.
 *
 * <p>Every call and stream is a Micrometer observation {@code gen_ai.client.operation} under Spring AI's
 * {@link ChatModelObservationDocumentation#CHAT_MODEL_OPERATION} with its {@code gen_ai} conventions (provider
 * {@code dro4j}), so it appears beside every other model's when an {@link ObservationRegistry} is given.
 */
public final class DroChatModel implements org.springframework.ai.chat.model.ChatModel {

    /** The provider name in observations ({@code gen_ai.system}). */
    public static final String PROVIDER = "dro4j";

    private static final ChatModelObservationConvention DEFAULT_CONVENTION =
            new DefaultChatModelObservationConvention();

    private final AutoModel model;
    private final GenerateOptions options;
    private final String name;
    private final ObservationRegistry observations;
    private final ChatModelObservationConvention convention;

    private DroChatModel(Builder b) {
        this.model = b.model;
        this.options = b.options;
        this.name = b.name;
        this.observations = b.observations;
        this.convention = b.convention;
    }

    /** A builder; {@link Builder#model(AutoModel)} is required. */
    public static Builder builder() {
        SpringAiSupport.ensureModel();
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

    /** No option set: each request starts from {@link #options()}. */
    @Override
    public ChatOptions getDefaultOptions() {
        return ChatOptions.builder().build();
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        ChatModelObservationContext context = ChatModelObservationContext.builder().prompt(prompt)
                .provider(PROVIDER).build();
        return observation(context).observe(() -> {
            DroPrompts.Query q = DroPrompts.toQuery(prompt, options);
            ChatResponse r = DroPrompts.toResponse(model.complete(q.text(), q.options()), name);
            context.setResponse(r);
            return r;
        });
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.<ChatResponse>create(sink -> {
            ChatModelObservationContext context = ChatModelObservationContext.builder().prompt(prompt)
                    .provider(PROVIDER).streaming(true).build();
            Observation observation = observation(context).start();
            try {
                DroPrompts.Query q = DroPrompts.toQuery(prompt, options);
                try (TokenStream s = model.stream(q.text(), q.options())) {
                    sink.onCancel(s::cancel);
                    sink.onDispose(s::cancel);
                    while (s.hasNext() && !sink.isCancelled()) {
                        sink.next(DroPrompts.piece(s.next(), name));
                    }
                    dro.Generation result = s.result();
                    context.setResponse(DroPrompts.toResponse(result, name));
                    if (!sink.isCancelled()) {
                        sink.next(DroPrompts.response("", result, name));
                    }
                }
                observation.stop();
                sink.complete();
            } catch (RuntimeException e) {
                observation.error(e);
                observation.stop();
                sink.error(e);
            }
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private Observation observation(ChatModelObservationContext context) {
        return ChatModelObservationDocumentation.CHAT_MODEL_OPERATION.observation(convention, DEFAULT_CONVENTION,
                () -> context, observations);
    }

    /** Builds a {@link DroChatModel}. */
    public static final class Builder {
        private AutoModel model;
        private GenerateOptions options = GenerateOptions.DEFAULTS;
        private String name = "dro4j";
        private ObservationRegistry observations = ObservationRegistry.NOOP;
        private ChatModelObservationConvention convention;

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

        /** The model name reported in responses ({@code gen_ai.response.model}); default "dro4j". */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Where observations go; default {@link ObservationRegistry#NOOP} (none). */
        public Builder observationRegistry(ObservationRegistry registry) {
            this.observations = registry;
            return this;
        }

        /** A convention replacing Spring AI's default {@code gen_ai} one; default none (Spring AI's). */
        public Builder observationConvention(ChatModelObservationConvention convention) {
            this.convention = convention;
            return this;
        }

        /**
         * @throws InvalidRequestException naming the missing or bad setting
         */
        public DroChatModel build() {
            if (model == null) {
                throw new InvalidRequestException("model must not be null: give the AutoModel that answers");
            }
            if (options == null) {
                throw new InvalidRequestException("options must not be null");
            }
            if (name == null || name.isBlank()) {
                throw new InvalidRequestException("name must not be blank, but was " + name);
            }
            if (observations == null) {
                throw new InvalidRequestException("observationRegistry must not be null (ObservationRegistry.NOOP"
                        + " records nothing)");
            }
            return new DroChatModel(this);
        }
    }
}
