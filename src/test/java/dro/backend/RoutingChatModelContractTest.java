package dro.backend;

import dro.testing.ScriptedOpenAiServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/**
 * The chat model contract on a {@link RoutingChatModel} over two loopback endpoints that play the same fixtures: the
 * real client over real HTTP against two {@link ChatModelContract#contractServer()}s, each endpoint taking 2 requests
 * at once. Routing changes nothing a caller of the contract can see; a call that outlives the timeout on both ends
 * with the router's retriable error once both are down.
 */
class RoutingChatModelContractTest extends ProtocolChatModelContract {

    private final ScriptedOpenAiServer first = contractServer();
    private final ScriptedOpenAiServer second = contractServer();

    @Override
    protected ChatModel model(String name, Duration timeout) {
        return RoutingChatModel.builder().modelName(name)
                .endpoint(first.baseUrl(), openAiBackend(first, name, timeout, 2), 2, 1)
                .endpoint(second.baseUrl(), openAiBackend(second, name, timeout, 2), 2, 1)
                .initialRest(Duration.ofMillis(10)).maxRest(Duration.ofMillis(50)).build();
    }


    @AfterAll
    void stopServers() {
        first.close();
        second.close();
    }
}
