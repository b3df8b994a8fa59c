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
import dro.bridge.ChatTurns;
import java.util.ArrayList;
import java.util.List;

/** Turns LangChain4j chat requests into a DRO query with {@link GenerateOptions}, and generations into responses. */
final class DroRequests {

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
        List<ChatTurns.Turn> earlier = messages.subList(0, messages.size() - 1).stream()
                .map(m -> m instanceof SystemMessage s ? ChatTurns.Turn.system(s.text()) : ChatTurns.Turn.other())
                .toList();
        ChatRequestParameters p = request.parameters();
        List<String> unsupported = new ArrayList<>();
        ChatTurns.Sampling sampling = ChatTurns.Sampling.NONE;
        if (p != null) {
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
            sampling = new ChatTurns.Sampling(p.temperature(), p.topP(), p.maxOutputTokens(), p.stopSequences());
        }
        GenerateOptions options;
        try {
            options = ChatTurns.options(base, earlier, unsupported,
                    names -> new UnsupportedFeatureException("dro4j honours temperature, topP, maxOutputTokens and"
                            + " stopSequences, but the request also set " + names), sampling);
        } catch (dro.InvalidRequestException e) {
            throw new dev.langchain4j.exception.InvalidRequestException(e.getMessage(), e);
        }
        return new Query(user.singleText(), options);
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
