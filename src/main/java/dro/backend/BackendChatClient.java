package dro.backend;

import dro.InvalidRequestException;

/**
 * A {@link ChatClient} over any {@link ChatModel}, so that any model can play any role. Features the model lacks
 * (JSON object mode, raw prompts) are refused by the model's {@link ChatModel#capabilities()} check rather than
 * ignored.
 *
 * <p>Thread-safe when the model is.
 */
public final class BackendChatClient implements ChatClient {

    private final ChatModel model;
    private final String name;

    public BackendChatClient(ChatModel model, String name) {
        this.model = model;
        this.name = name;
    }

    @Override
    public String modelName() {
        return name;
    }

    /** Whether the model takes raw prompts (a llama.cpp model does). */
    @Override
    public boolean supportsRawPrompt() {
        return model.capabilities().rawPrompt();
    }

    @Override
    public ChatResponse chat(ChatCompletionRequest r) {
        if (r == null) {
            throw new InvalidRequestException("request must not be null");
        }
        ChatModelResponse response = model.chat(ChatModelRequest.builder(r.system(), r.user()).n(r.n())
                .temperature(r.temperature()).topP(r.topP()).maxNewTokens(r.maxTokens()).stop(r.stop()).seed(r.seed())
                .responseFormat(r.jsonMode() ? ResponseFormat.JSON_OBJECT : ResponseFormat.TEXT)
                .rawPrompt(r.rawPrompt()).build());
        return new ChatResponse(response.texts(), response.usage());
    }

    @Override
    public void close() {
        model.close();
    }
}
