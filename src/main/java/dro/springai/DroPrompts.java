package dro.springai;

import dro.GenerateOptions;
import dro.Generation;
import dro.InvalidRequestException;
import dro.bridge.ChatTurns;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;

/**
 * Turns Spring AI prompts into a DRO query with {@link GenerateOptions}, and generations into responses: the rules of
 * {@code dro.langchain4j}'s bridge, in Spring AI's types.
 */
final class DroPrompts {

    private DroPrompts() {
    }

    /** A DRO query and the options it is generated with. */
    record Query(String text, GenerateOptions options) {
    }

    /**
     * The query is the last message, which must be a text user message; the last system message, if any, replaces
     * the optimised system prompt (as {@code userSpecifiedSystemPrompt}); earlier user and assistant turns are not sent
     * (DRO answers one query under its system prompt and ICL examples) and are logged at debug level. Of the options,
     * temperature, top-p, the token limit and stop sequences (added to DRO's) are honoured.
     *
     * @throws InvalidRequestException naming every option set that DRO does not honour, or when the last message is
     *                                 not a text user message
     */
    static Query toQuery(Prompt prompt, GenerateOptions base) {
        List<Message> messages = prompt.getInstructions();
        if (messages.isEmpty()) {
            throw new InvalidRequestException("the prompt holds no messages");
        }
        Message last = messages.get(messages.size() - 1);
        if (!(last instanceof UserMessage user)) {
            throw new InvalidRequestException("dro4j answers the last message as the query, so it must be a user"
                    + " message, but it was a " + last.getMessageType());
        }
        if (!user.getMedia().isEmpty()) {
            throw new InvalidRequestException("dro4j takes a text-only user message, but the last one held "
                    + user.getMedia().size() + " media");
        }
        List<ChatTurns.Turn> earlier = messages.subList(0, messages.size() - 1).stream()
                .map(m -> m instanceof SystemMessage s ? ChatTurns.Turn.system(s.getText()) : ChatTurns.Turn.other())
                .toList();
        ChatOptions c = prompt.getOptions();
        List<String> unsupported = new ArrayList<>();
        ChatTurns.Sampling sampling = ChatTurns.Sampling.NONE;
        if (c != null) {
            if (c.getModel() != null) {
                unsupported.add("model (the AutoModel decides the model)");
            }
            if (c.getTopK() != null) {
                unsupported.add("topK");
            }
            if (c.getFrequencyPenalty() != null) {
                unsupported.add("frequencyPenalty");
            }
            if (c.getPresencePenalty() != null) {
                unsupported.add("presencePenalty");
            }
            if (c instanceof ToolCallingChatOptions t && t.getToolCallbacks() != null
                    && !t.getToolCallbacks().isEmpty()) {
                unsupported.add("tools");
            }
            sampling = new ChatTurns.Sampling(c.getTemperature(), c.getTopP(), c.getMaxTokens(),
                    c.getStopSequences());
        }
        GenerateOptions options = ChatTurns.options(base, earlier, unsupported,
                names -> new InvalidRequestException("dro4j honours temperature, topP, maxTokens and stopSequences,"
                        + " but the prompt's options also set " + names), sampling);
        return new Query(user.getText(), options);
    }

    /** Spring AI's name of a finish reason: {@code STOP}, {@code LENGTH} or {@code CANCELLED}. */
    static String finishReason(dro.FinishReason reason) {
        return reason.name();
    }

    /** The generation as Spring AI's response: text, finish reason, {@link DefaultUsage} and the model name. */
    static ChatResponse toResponse(Generation g, String modelName) {
        return response(g.text(), g, modelName);
    }

    /** One streamed piece: text only, no finish reason, no usage. */
    static ChatResponse piece(String text, String modelName) {
        return new ChatResponse(List.of(new org.springframework.ai.chat.model.Generation(new AssistantMessage(text))),
                ChatResponseMetadata.builder().model(modelName).build());
    }

    /** The piece that ends a stream: the text {@code text}, the whole generation's finish reason and usage. */
    static ChatResponse response(String text, Generation g, String modelName) {
        var generation = new org.springframework.ai.chat.model.Generation(new AssistantMessage(text),
                ChatGenerationMetadata.builder().finishReason(finishReason(g.finishReason())).build());
        return new ChatResponse(List.of(generation), ChatResponseMetadata.builder().model(modelName)
                .usage(new DefaultUsage(g.usage().promptTokens(), g.usage().completionTokens(),
                        g.usage().promptTokens() + g.usage().completionTokens()))
                .build());
    }
}
