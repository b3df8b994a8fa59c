package dro.langchain4j;

import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import dro.backend.ChatModel;
import dro.backend.ChatModelContract;
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
class LangChain4jChatModelContractTest extends ChatModelContract {

    private final ScriptedOpenAiServer server = ScriptedOpenAiServer.start().respond(r -> {
        if ("seeded".equals(r.model())) {
            return ScriptedOpenAiServer.Reply.completion(String.valueOf("abc".charAt(
                    (int) (r.json().path("seed").asLong() % 3)))).withFinishReason("length").withUsage(5, 1);
        }
        if ("query-dependent".equals(r.model())) {
            return ScriptedOpenAiServer.scriptedModel(q -> "A" + Integer.toHexString(q.message("user").hashCode())
                    + " ").apply(r);
        }
        if ("slow".equals(r.model())) {
            return ScriptedOpenAiServer.Reply.completion("late").withDelay(Duration.ofSeconds(5));
        }
        if ("json".equals(r.model())) {
            return "json_object".equals(r.json().path("response_format").path("type").asText())
                    ? ScriptedOpenAiServer.Reply.completion("{}").withFinishReason("stop").withUsage(5, 3)
                    : ScriptedOpenAiServer.Reply.completion("Hi").withFinishReason("stop").withUsage(5, 3);
        }
        return ScriptedOpenAiServer.scriptedModel(SCRIPT).apply(r);
    });

    private ChatModel model(String name, Duration timeout) {
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
