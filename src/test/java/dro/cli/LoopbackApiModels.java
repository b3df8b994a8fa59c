package dro.cli;

import dro.backend.ChatModel;
import dro.backend.RetryPolicy;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.testing.ScriptedOpenAiServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * For one test: the API models of {@code dro train|optimize-icl|eval} are served by a scripted server on 127.0.0.1,
 * reached by the real {@link OpenAiChatClient}; the run's retries record their waits in {@link #waits} instead of
 * waiting. {@link #close()} stops the server and restores the default clients and retries.
 */
final class LoopbackApiModels implements AutoCloseable {

    final ScriptedOpenAiServer server;
    /** The waits of the run's retries, recorded instead of waited. */
    final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
    private final BiFunction<String, Boolean, ChatModel> original = TrainCommand.apiClients;
    private final RetryPolicy originalRetries = RoleModels.runRetries;

    LoopbackApiModels(Function<ScriptedOpenAiServer.Request, ScriptedOpenAiServer.Reply> responder) {
        server = ScriptedOpenAiServer.start().respond(responder);
        TrainCommand.apiClients = (name, reasoning) -> OpenAiBackend.create(OpenAiChatClient.builder().model(name)
                .apiKey("sk-test").baseUrl(server.baseUrl()).reasoningModel(reasoning).build(), 4); // RoleModels retries
        RoleModels.runRetries = RetryPolicy.DEFAULT.toBuilder().sleeper(waits::add).build();
    }

    @Override
    public void close() {
        TrainCommand.apiClients = original;
        RoleModels.runRetries = originalRetries;
        server.close();
    }
}
