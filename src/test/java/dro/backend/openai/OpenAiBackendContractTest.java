package dro.backend.openai;

import dro.AutoModel;
import dro.backend.ChatBackendContract;
import dro.testing.ScriptedOpenAiServer;
import org.junit.jupiter.api.AfterAll;

/**
 * The shared backend contract on an OpenAI-compatible endpoint: the real client over HTTP against
 * {@link ScriptedOpenAiServer}, which plays the scripted model (and, for model {@code "query-dependent"}, a model
 * whose answer is derived from the user message).
 */
class OpenAiBackendContractTest extends ChatBackendContract {

    private final ScriptedOpenAiServer server = ScriptedOpenAiServer.start().respond(r ->
            "query-dependent".equals(r.model())
                    ? ScriptedOpenAiServer.scriptedModel(q -> "A" + Integer.toHexString(q.message("user").hashCode())
                            + " ").apply(r)
                    : ScriptedOpenAiServer.scriptedModel("Hi<END>").apply(r));

    private AutoModel model(String name) {
        return AutoModel.builder().openAiModel(true).model(name).apiKey("sk-contract").baseUrl(server.baseUrl())
                .maxConcurrency(4).build();
    }

    @Override
    protected AutoModel scriptedModel() {
        return model("scripted");
    }

    @Override
    protected AutoModel queryDependentModel() {
        return model("query-dependent");
    }

    @AfterAll
    void stopServer() {
        server.close();
    }
}
