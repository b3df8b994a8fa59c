package dro.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import dev.langchain4j.data.message.AiMessage;
import dro.GenerateOptions;
import dro.Generation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns LangChain4j chat requests into a DRO query with {@link GenerateOptions}, and generations into responses. */
final class DroRequests {

    private static final Logger log = LoggerFactory.getLogger(DroRequests.class);

    private DroRequests() {
    }

    /** A DRO query and the options it is generated with. */
    record Query(String text, GenerateOptions options) {
    }

    /**
     * The query is the last message, which must be a text user message; the last system message, if any, replaces
     * the optimised system prompt (as {@code userSpecifiedSystemPrompt}); earlier user and AI turns are not sent
     * (DRO answers one query under its system prompt and ICL examples) and are logged at debug level.
     *
     * @throws UnsupportedFeatureException naming every request parameter DRO does not honour that was set
     * @throws dev.langchain4j.exception.InvalidRequestException when the last message is not a text user message
     */
    static Query toQuery(ChatRequest request, GenerateOptions base) {
        List<ChatMessage> messages = request.messages();
        if (messages == null || messages.isEmpty()) {
            throw new dev.langchain4j.exception.InvalidRequestException("the request holds no messages");
        }
        ChatMessage last = messages.get(messages.size() - 1);
        if (!(last instanceof UserMessage user)) {
            throw new dev.langchain4j.exception.InvalidRequestException("dro4j answers the last message as the"
                    + " query, so it must be a user message, but it was a " + last.type());
        }
        if (!user.hasSingleText()) {
            throw new UnsupportedFeatureException("dro4j takes a text-only user message, but the last one held "
                    + user.contents().stream().map(c -> c.type().name()).toList());
        }
        String system = null;
        int earlier = 0;
        for (ChatMessage m : messages.subList(0, messages.size() - 1)) {
            if (m instanceof SystemMessage s) {
                system = s.text();
            } else {
                earlier++;
            }
        }
        if (earlier > 0) {
            log.debug("{} earlier chat turn(s) not sent: dro4j answers the last user message alone", earlier);
        }
        GenerateOptions.Builder o = base.toBuilder();
        if (system != null) {
            o.userSpecifiedSystemPrompt(system);
        }
        ChatRequestParameters p = request.parameters();
        if (p != null) {
            List<String> unsupported = new ArrayList<>();
            if (p.topK() != null) {
                unsupported.add("topK");
            }
            if (p.frequencyPenalty() != null) {
                unsupported.add("frequencyPenalty");
            }
            if (p.presencePenalty() != null) {
                unsupported.add("presencePenalty");
            }
            if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) {
                unsupported.add("toolSpecifications (tools)");
            }
            if (p.toolChoice() != null) {
                unsupported.add("toolChoice");
            }
            if (p.responseFormat() != null && p.responseFormat().type() != ResponseFormatType.TEXT) {
                unsupported.add("responseFormat " + p.responseFormat().type());
            }
            if (p.modelName() != null) {
                unsupported.add("modelName (the AutoModel decides the model)");
            }
            if (!unsupported.isEmpty()) {
                throw new UnsupportedFeatureException("dro4j honours temperature, topP, maxOutputTokens and"
                        + " stopSequences, but the request also set " + String.join(", ", unsupported));
            }
            if (p.temperature() != null) {
                o.temperature(p.temperature());
            }
            if (p.topP() != null) {
                o.topP(p.topP());
            }
            if (p.maxOutputTokens() != null) {
                o.maxNewTokens(p.maxOutputTokens());
            }
            if (p.stopSequences() != null && !p.stopSequences().isEmpty()) {
                Set<String> stop = new LinkedHashSet<>(base.stop());
                stop.addAll(p.stopSequences());
                o.stop(List.copyOf(stop));
            }
        }
        try {
            return new Query(user.singleText(), o.build());
        } catch (dro.InvalidRequestException e) {
            throw new dev.langchain4j.exception.InvalidRequestException(e.getMessage(), e);
        }
    }

    /** The generation as LangChain4j's response: text, token usage and finish reason. */
    static ChatResponse toResponse(Generation g, String modelName) {
        return ChatResponse.builder().aiMessage(AiMessage.from(g.text())).modelName(modelName)
                .tokenUsage(new TokenUsage(g.usage().promptTokens(), g.usage().completionTokens()))
                .finishReason(switch (g.finishReason()) {
                    case STOP -> dev.langchain4j.model.output.FinishReason.STOP;
                    case LENGTH -> dev.langchain4j.model.output.FinishReason.LENGTH;
                    case CANCELLED -> dev.langchain4j.model.output.FinishReason.OTHER;
                }).build();
    }
}
