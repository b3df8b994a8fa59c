package dro.langchain4j;

import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import dro.backend.ChatModel;
import dro.backend.ProtocolChatModelContract;
import dro.testing.ScriptedOpenAiServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;

/**
 * The chat model contract, unchanged, on {@link LangChain4jChatModel} over LangChain4j's own
 * {@link OpenAiChatModel} (its real HTTP client) against {@link ScriptedOpenAiServer} on loopback. The fixtures are
 * those of {@code OpenAiChatModelContractTest}: a reply of model {@code "seeded"} is chosen by the request's seed;
 * {@code "query-dependent"} answers a hash of the user message; {@code "json"} answers {@code {}} in JSON object mode,
 * else {@code Hi}; {@code "slow"} answers after 5 seconds.
 */
class LangChain4jChatModelContractTest extends ProtocolChatModelContract {

    private final ScriptedOpenAiServer server = contractServer();

    @Override
    protected ChatModel model(String name, Duration timeout) {
        OpenAiChatModel.OpenAiChatModelBuilder b = OpenAiChatModel.builder().modelName(name).apiKey("sk-contract")
                .baseUrl(server.baseUrl()).maxRetries(0);
        if (timeout != null) {
            b.timeout(timeout);
        }
        return LangChain4jChatModel.builder().model(b.build()).name("lc4j-openai " + name)
                .jsonObject("json".equals(name))
                .seedParameters(seed -> OpenAiChatRequestParameters.builder().seed(seed.intValue()).build())
                .build();
    }


    @AfterAll
    void stopServer() {
        server.close();
    }
}
