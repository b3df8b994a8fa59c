package dro.springai;

import dro.backend.ChatModel;
import dro.backend.ProtocolChatModelContract;
import dro.testing.ScriptedOpenAiServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * The chat model contract, unchanged, on {@link SpringAiChatModel} over Spring AI's own {@link OpenAiChatModel} (its
 * real HTTP client, openai-java) against {@link ScriptedOpenAiServer} on loopback. The fixtures are those of
 * {@code OpenAiChatModelContractTest}: a reply of model {@code "seeded"} is chosen by the request's seed;
 * {@code "query-dependent"} answers a hash of the user message; {@code "json"} answers {@code {}} in JSON object mode,
 * else {@code Hi}; {@code "slow"} answers after 5 seconds.
 */
class SpringAiChatModelContractTest extends ProtocolChatModelContract {

    private final ScriptedOpenAiServer server = contractServer();

    @Override
    protected ChatModel model(String name, Duration timeout) {
        return SpringAiChatModel.builder().model(openAi(server, name, timeout)).name("spring-ai-openai " + name)
                .jsonObjectOptions("json".equals(name) ? () -> OpenAiChatOptions.builder().responseFormat(
                        OpenAiChatModel.ResponseFormat.builder()
                                .type(OpenAiChatModel.ResponseFormat.Type.JSON_OBJECT).build()) : null)
                .seedOptions(seed -> OpenAiChatOptions.builder().seed(seed.intValue()))
                .build();
    }

    /** Spring AI's OpenAI model on {@code server}'s model {@code name}, not retrying. */
    static OpenAiChatModel openAi(ScriptedOpenAiServer server, String name, Duration timeout) {
        OpenAiChatOptions.Builder o = OpenAiChatOptions.builder().model(name).apiKey("sk-contract")
                .baseUrl(server.baseUrl()).maxRetries(0);
        if (timeout != null) {
            o.timeout(timeout);
        }
        return OpenAiChatModel.builder().options(o.build()).build();
    }

    @AfterAll
    void stopServer() {
        server.close();
    }
}
