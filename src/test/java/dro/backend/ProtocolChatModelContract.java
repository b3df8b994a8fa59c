package dro.backend;

import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.testing.ScriptedOpenAiServer;
import java.time.Duration;

/**
 * The chat model contract for implementations that speak the OpenAI protocol to {@link #contractServer()}s: each
 * fixture is the server's model of that name ({@code scripted}, {@code query-dependent}, {@code seeded}, {@code json},
 * {@code slow}), so an implementation says only how it reaches a model by name.
 */
public abstract class ProtocolChatModelContract extends ChatModelContract {

    /** The implementation on the contract server's model {@code name}, with {@code timeout} (null: its default). */
    protected abstract ChatModel model(String name, Duration timeout);

    /**
     * dro4j's OpenAI backend on {@code server}'s model {@code name}, its client not retrying (the contract counts
     * what one call does).
     */
    public static ChatModel openAiBackend(ScriptedOpenAiServer server, String name, Duration timeout,
                                          int maxConcurrency) {
        OpenAiChatClient.Builder b = OpenAiChatClient.builder().model(name).apiKey("sk-contract")
                .baseUrl(server.baseUrl());
        if (timeout != null) {
            b.timeout(timeout);
        }
        return OpenAiBackend.create(b.build(), maxConcurrency);
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
}
