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
