package dro.backend.openai;

import dro.backend.ChatModel;
import dro.backend.ChatModelContract;
import dro.backend.RetryPolicy;
import dro.testing.ScriptedOpenAiServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/**
 * The chat model contract on an OpenAI-compatible endpoint: the real client over HTTP against
 * {@link ScriptedOpenAiServer}, which plays the fixtures: a reply of model {@code "seeded"} is chosen by the request's
 * seed; model {@code "query-dependent"} answers a hash of the user message; model {@code "json"} answers {@code {}} in
 * JSON object mode, else {@code Hi}; model {@code "slow"} answers after 5 seconds.
 */
class OpenAiChatModelContractTest extends ChatModelContract {

    private final ScriptedOpenAiServer server = contractServer();

    private ChatModel model(String name, Duration timeout) {
        OpenAiChatClient.Builder b = OpenAiChatClient.builder().model(name).apiKey("sk-contract")
                .baseUrl(server.baseUrl()).retryPolicy(RetryPolicy.NONE);
        if (timeout != null) {
            b.timeout(timeout);
        }
        return OpenAiBackend.create(b.build(), 4);
    }

    @Override
    protected ChatModel scripted() {
        return model("scripted", null);
    }

    @Override
    protected ChatModel queryDependent() {
        return model("query-dependent", null);
    }

    @Override
    protected ChatModel seeded() {
        return model("seeded", null);
    }

    @Override
    protected ChatModel jsonCapable() {
        return model("json", null);
    }

    @Override
    protected ChatModel slow(Duration timeout) {
        return model("slow", timeout);
    }

    @AfterAll
    void stopServer() {
        server.close();
    }
}
