package dro.backend.llamacpp;

import dro.backend.ChatModel;
import dro.backend.ChatModelContract;
import dro.testing.TestModels;
import java.time.Duration;

/** The chat model contract on local GGUF models run by llama.cpp; JSON object mode goes through a grammar. */
class LlamaCppChatModelContractTest extends ChatModelContract {

    @Override
    protected ChatModel scripted() {
        return LocalChatModels.load(TestModels.scriptedChat(), 2, 4096, null);
    }

    @Override
    protected ChatModel queryDependent() {
        return LocalChatModels.load(TestModels.majorityDigitChat(), 4, 1024, null);
    }

    @Override
    protected ChatModel seeded() {
        return LocalChatModels.load(LocalChatModels.seededChat(), 1, 1024, null);
    }

    @Override
    protected ChatModel jsonCapable() {
        return LocalChatModels.load(LocalChatModels.hiOrBraces(), 1, 1024, null);
    }

    @Override
    protected ChatModel slow(Duration timeout) {
        return LocalChatModels.load(TestModels.scriptedChat(), 1, 16384, timeout);
    }
}
