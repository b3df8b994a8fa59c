package dro.backend.openai;

import dro.backend.ChatModel;
import dro.backend.ProtocolChatModelContract;
import dro.testing.ScriptedOpenAiServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/**
 * The chat model contract on an OpenAI-compatible endpoint: the real client over HTTP against
 * {@link ScriptedOpenAiServer}, which plays the fixtures: a reply of model {@code "seeded"} is chosen by the request's
 * seed; model {@code "query-dependent"} answers a hash of the user message; model {@code "json"} answers {@code {}} in
 * JSON object mode, else {@code Hi}; model {@code "slow"} answers after 5 seconds.
 */
class OpenAiChatModelContractTest extends ProtocolChatModelContract {

    private final ScriptedOpenAiServer server = contractServer();

    @Override
    protected ChatModel model(String name, Duration timeout) {
        return openAiBackend(server, name, timeout, 4);
    }


    @AfterAll
    void stopServer() {
        server.close();
    }
}
