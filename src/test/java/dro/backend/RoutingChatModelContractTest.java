package dro.backend;

import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.testing.ScriptedOpenAiServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/**
 * The chat model contract on a {@link RoutingChatModel} over two loopback endpoints that play the same fixtures: the
 * real client over real HTTP against two {@link ChatModelContract#contractServer()}s, each endpoint taking 2 requests
 * at once. Routing changes nothing a caller of the contract can see; a call that outlives the timeout on both ends
 * with the router's retriable error once both are down.
 */
class RoutingChatModelContractTest extends ChatModelContract {

    private final ScriptedOpenAiServer first = contractServer();
    private final ScriptedOpenAiServer second = contractServer();

    private ChatModel model(String name, Duration timeout) {
        return RoutingChatModel.builder().modelName(name)
                .endpoint(first.baseUrl(), backend(first, name, timeout), 2, 1)
                .endpoint(second.baseUrl(), backend(second, name, timeout), 2, 1)
                .initialRest(Duration.ofMillis(10)).maxRest(Duration.ofMillis(50)).build();
    }

    private static ChatModel backend(ScriptedOpenAiServer server, String name, Duration timeout) {
        OpenAiChatClient.Builder b = OpenAiChatClient.builder().model(name).apiKey("sk-contract")
                .baseUrl(server.baseUrl()).retryPolicy(RetryPolicy.NONE);
        if (timeout != null) {
            b.timeout(timeout);
        }
        return OpenAiBackend.create(b.build(), 2);
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
    void stopServers() {
        first.close();
        second.close();
    }
}
