package dro.springai;

import dro.AssembledPrompt;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.InvalidRequestException;
import dro.SystemPromptSource;
import dro.icl.IclExample;
import dro.prompt.internal.PromptAssembler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.AdvisorUtils;
import org.springframework.ai.chat.client.advisor.api.AdvisorChain;
import org.springframework.ai.chat.client.advisor.api.BaseAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.core.Ordered;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * DRO in front of any Spring AI model: an advisor for {@code ChatClient} that sets DRO's optimised system prompt and
 * adds the in-context examples most similar to the query, exactly as {@link AutoModel#assemble} builds them (the same
 * code): the system message becomes the prompt with the ICL blocks appended, the last user message becomes DRO's query
 * turn ({@code # Query:\n<query>\n\n# Answer:\n<START>}).
 *
 * <pre>{@code
 * ChatClient client = ChatClient.builder(chatModel)
 *         .defaultAdvisors(DroAdvisor.builder().model(dro).build())
 *         .build();
 * String answer = client.prompt().user("How do I cook rice?").call().content();
 * }</pre>
 *
 * <ul>
 *   <li>The query is the text of the last message, which must be a user message; its media and metadata stay. A
 *   caller's {@code SystemMessage} (the last one, e.g. {@code ChatClient.system(...)}) replaces the optimised prompt, as
 *   {@link GenerateOptions#userSpecifiedSystemPrompt()} does; the examples are still appended. Other messages (a chat
 *   memory's earlier turns) stay where they are, between the system message and the query turn.</li>
 *   <li>DRO's stop strings ({@link GenerateOptions#stop()}) are added to the request's stop sequences; sampling options
 *   (temperature, top-p, token limit) stay the {@code ChatClient}'s.</li>
 *   <li>A call's answer is cleaned as {@link AutoModel#generate(String, GenerateOptions)} cleans it (the text before
 *   {@code <END>}, without {@code <START>}); a stream's pieces are the model's text as it comes (the stop strings keep
 *   {@code <END>} out).</li>
 *   <li>Provenance goes into the advisor context (request and response) and the {@code ChatResponse} metadata under
 *   {@link #PROMPT_SOURCE} (the kind: {@code registry}, {@code builder}, {@code user} or {@code base}),
 *   {@link #PROMPT_ID} (the registry id, the file, or what the kind names) and {@link #ICL_EXAMPLES} (the queries of
 *   the examples used, in prompt order).</li>
 * </ul>
 *
 * <p><b>Order.</b> The default, {@link #DEFAULT_ORDER} ({@code Ordered.LOWEST_PRECEDENCE - 100}), runs DRO after the
 * memory advisors ({@code Advisor.DEFAULT_CHAT_MEMORY_PRECEDENCE_ORDER}) and RAG advisors such as
 * {@code QuestionAnswerAdvisor} (order 0), right before the model: it sees the memory's earlier turns (kept) and the
 * user message as RAG augmented it (that text is the query the examples are retrieved for, inside DRO's query turn).
 * Give it an order below a RAG advisor's to retrieve examples for the user's own words; the RAG advisor then augments
 * DRO's query turn.
 *
 * <p>Thread-safe: it holds no state per request; the {@link AutoModel} is shared (its ICL retriever embeds the
 * examples once, on first use).
 */
public final class DroAdvisor implements BaseAdvisor {

    private static final Logger log = LoggerFactory.getLogger(DroAdvisor.class);

    /** The default order: after memory and RAG advisors, right before the model. */
    public static final int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    /** Context and metadata key: the kind of system prompt used ({@code registry}, {@code builder}, {@code user}, {@code base}). */
    public static final String PROMPT_SOURCE = "dro4j.prompt.source";

    /** Context and metadata key: which prompt (the registry id, the file, or what the kind names). */
    public static final String PROMPT_ID = "dro4j.prompt.id";

    /** Context and metadata key: the queries of the in-context examples used, in prompt order (a list of strings). */
    public static final String ICL_EXAMPLES = "dro4j.icl.examples";

    private final Supplier<AutoModel> onFirstUse;
    private volatile AutoModel model;
    private final GenerateOptions options;
    private final int order;

    private DroAdvisor(AutoModel model, Supplier<AutoModel> onFirstUse, GenerateOptions options, int order) {
        this.model = model;
        this.onFirstUse = onFirstUse;
        this.options = options;
        this.order = order;
    }

    /** A builder; {@link Builder#model(AutoModel)} or {@link Builder#modelOnFirstUse} is required. */
    public static Builder builder() {
        SpringAiSupport.ensureClient();
        return new Builder();
    }

    /**
     * The AutoModel whose prompt, examples and assembly the advisor uses; one given by
     * {@link Builder#modelOnFirstUse} is made by the first call of this method or of the advisor (once).
     *
     * @throws InvalidRequestException when the supplier of {@link Builder#modelOnFirstUse} gives null
     */
    public AutoModel model() {
        AutoModel m = model;
        if (m == null) {
            synchronized (this) {
                m = model;
                if (m == null) {
                    m = onFirstUse.get();
                    if (m == null) {
                        throw new InvalidRequestException("modelOnFirstUse gave no AutoModel (null)");
                    }
                    model = m;
                }
            }
        }
        return m;
    }

    /** The options each request is assembled with. */
    public GenerateOptions options() {
        return options;
    }

    @Override
    public int getOrder() {
        return order;
    }

    @Override
    public String getName() {
        return "DroAdvisor";
    }

    @Override
    public ChatClientRequest before(ChatClientRequest request, AdvisorChain chain) {
        Prompt prompt = request.prompt();
        List<Message> messages = prompt.getInstructions();
        if (messages.isEmpty()) {
            throw new InvalidRequestException("DroAdvisor answers the last message as the query, but the prompt holds"
                    + " no messages");
        }
        Message last = messages.get(messages.size() - 1);
        if (!(last instanceof UserMessage user)) {
            throw new InvalidRequestException("DroAdvisor answers the last message as the query, so it must be a user"
                    + " message, but it was a " + last.getMessageType());
        }
        String system = null;
        List<Message> between = new ArrayList<>();
        for (Message m : messages.subList(0, messages.size() - 1)) {
            if (m instanceof SystemMessage s) {
                system = s.getText();
            } else {
                between.add(m);
            }
        }
        GenerateOptions o = system == null ? options : options.toBuilder().userSpecifiedSystemPrompt(system).build();
        AssembledPrompt parts = model().assemble(user.getText(), o);
        List<Message> rewritten = new ArrayList<>(between.size() + 2);
        rewritten.add(new SystemMessage(parts.system()));
        rewritten.addAll(between);
        rewritten.add(user.mutate().text(parts.user()).build());
        Prompt.Builder p = prompt.mutate().messages(rewritten);
        ChatOptions chatOptions = prompt.getOptions();
        if (chatOptions != null && !options.stop().isEmpty()) {
            Set<String> stop = new LinkedHashSet<>(options.stop());
            if (chatOptions.getStopSequences() != null) {
                stop.addAll(chatOptions.getStopSequences());
            }
            p.chatOptions(chatOptions.mutate().stopSequences(List.copyOf(stop)).build());
        }
        Map<String, Object> provenance = provenance(parts);
        log.debug("DRO system prompt {} \"{}\" with {} example(s)", provenance.get(PROMPT_SOURCE),
                provenance.get(PROMPT_ID), parts.examples().size());
        return request.mutate().prompt(p.build()).context(provenance).build();
    }

    @Override
    public ChatClientResponse after(ChatClientResponse response, AdvisorChain chain) {
        return withProvenance(response, false);
    }

    /** As {@link BaseAdvisor#adviseCall}, and the answer cleaned as {@link AutoModel#generate} cleans it. */
    @Override
    public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
        ChatClientRequest advised = before(request, chain);
        ChatClientResponse response = chain.nextCall(advised);
        Map<String, Object> context = new LinkedHashMap<>(response.context());
        for (String key : List.of(PROMPT_SOURCE, PROMPT_ID, ICL_EXAMPLES)) {
            context.putIfAbsent(key, advised.context().get(key));
        }
        return withProvenance(response.mutate().context(context).build(), true);
    }

    /**
     * As {@link BaseAdvisor#adviseStream}, the provenance taken from the advised request's context, so it reaches the
     * chunk that ends the stream (the one with a finish reason) whatever context the chain hands back.
     */
    @Override
    public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
        return Mono.just(request).publishOn(getScheduler()).map(r -> before(r, chain))
                .flatMapMany(advised -> chain.nextStream(advised).map(chunk -> {
                    if (!AdvisorUtils.onFinishReason().test(chunk)) {
                        return chunk;
                    }
                    Map<String, Object> context = new LinkedHashMap<>(chunk.context());
                    for (String key : List.of(PROMPT_SOURCE, PROMPT_ID, ICL_EXAMPLES)) {
                        context.putIfAbsent(key, advised.context().get(key));
                    }
                    return after(chunk.mutate().context(context).build(), chain);
                }));
    }

    private static Map<String, Object> provenance(AssembledPrompt parts) {
        SystemPromptSource source = parts.systemPromptSource();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(PROMPT_SOURCE, source.kind().label());
        p.put(PROMPT_ID, source.detail());
        p.put(ICL_EXAMPLES, parts.examples().stream().map(IclExample::query).toList());
        return p;
    }

    private static ChatClientResponse withProvenance(ChatClientResponse response, boolean clean) {
        ChatResponse r = response.chatResponse();
        if (r == null || !response.context().containsKey(PROMPT_SOURCE)) {
            return response;
        }
        ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder();
        ChatResponseMetadata old = r.getMetadata();
        if (old != null) {
            old.entrySet().forEach(e -> metadata.keyValue(e.getKey(), e.getValue()));
            metadata.id(old.getId()).model(old.getModel()).usage(old.getUsage()).rateLimit(old.getRateLimit())
                    .promptMetadata(old.getPromptMetadata());
        }
        for (String key : List.of(PROMPT_SOURCE, PROMPT_ID, ICL_EXAMPLES)) {
            metadata.keyValue(key, response.context().get(key));
        }
        List<Generation> generations = r.getResults();
        if (clean) {
            generations = generations.stream().map(g -> {
                AssistantMessage out = g.getOutput();
                if (out == null || out.getText() == null || out.hasToolCalls()) {
                    return g;
                }
                return new Generation(out.mutate().content(PromptAssembler.answer(out.getText())).build(),
                        g.getMetadata());
            }).toList();
        }
        ChatResponse withMetadata = ChatResponse.builder().generations(generations).metadata(metadata.build()).build();
        return response.mutate().chatResponse(withMetadata).build();
    }

    /** Builds a {@link DroAdvisor}. */
    public static final class Builder {
        private AutoModel model;
        private Supplier<AutoModel> modelOnFirstUse;
        private GenerateOptions options = GenerateOptions.DEFAULTS;
        private int order = DEFAULT_ORDER;

        private Builder() {
        }

        /**
         * The AutoModel whose optimised prompt, ICL examples and embedder assemble each request (required). It need
         * not be the model that answers: e.g. {@code AutoModel.builder().chatModel(SpringAiChatModel.of(chatModel))
         * .optimizedPromptFile(...)}; {@link AutoModel#assemble} is all the advisor calls.
         */
        public Builder model(AutoModel model) {
            this.model = model;
            return this;
        }

        /**
         * Instead of {@link #model(AutoModel)}: the AutoModel, made when the advisor first needs it (its first request,
         * or {@link DroAdvisor#model()}), once; e.g. so that an application starts without looking up or pulling a
         * prompt. The advisor does not close it.
         */
        public Builder modelOnFirstUse(Supplier<AutoModel> model) {
            this.modelOnFirstUse = model;
            return this;
        }

        /**
         * The options requests are assembled with: {@code optimizedPrompt}, {@code optimizedIcl},
         * {@code numOptimizedIcl}, {@code iclOrder}, {@code stop}; default {@link GenerateOptions#DEFAULTS}. Their
         * sampling settings are not used (the {@code ChatClient}'s options are).
         */
        public Builder options(GenerateOptions options) {
            this.options = options;
            return this;
        }

        /** The advisor's order; default {@link #DEFAULT_ORDER} (see the class comment). */
        public Builder order(int order) {
            this.order = order;
            return this;
        }

        /**
         * @throws InvalidRequestException naming the missing setting
         */
        public DroAdvisor build() {
            if (model != null && modelOnFirstUse != null) {
                throw new InvalidRequestException("Give model or modelOnFirstUse, not both");
            }
            if (model == null && modelOnFirstUse == null) {
                throw new InvalidRequestException("model must not be null: give the AutoModel whose prompt and ICL"
                        + " examples the advisor uses");
            }
            if (options == null) {
                throw new InvalidRequestException("options must not be null");
            }
            return new DroAdvisor(model, modelOnFirstUse, options, order);
        }
    }
}
