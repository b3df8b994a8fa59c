package dro.cli;

import dro.backend.ChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.testing.ScriptedOpenAiServer;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * For one test: the API models of {@code dro train|optimize-icl|eval} are served by a scripted server on 127.0.0.1,
 * reached by the real {@link OpenAiChatClient}. {@link #close()} stops the server and restores the default clients.
 */
final class LoopbackApiModels implements AutoCloseable {

    final ScriptedOpenAiServer server;
    private final BiFunction<String, Boolean, ChatModel> original = TrainCommand.apiClients;

    LoopbackApiModels(Function<ScriptedOpenAiServer.Request, ScriptedOpenAiServer.Reply> responder) {
        server = ScriptedOpenAiServer.start().respond(responder);
        TrainCommand.apiClients = (name, reasoning) -> OpenAiBackend.create(OpenAiChatClient.builder().model(name)
                .apiKey("sk-test").baseUrl(server.baseUrl()).reasoningModel(reasoning)
                .retryPolicy(dro.backend.RetryPolicy.NONE).build(), 4); // RoleModels retries
    }

    @Override
    public void close() {
        TrainCommand.apiClients = original;
        server.close();
    }
}
