package dro.backend.llamacpp;

import dro.AutoModel;
import dro.backend.ChatBackendContract;
import dro.testing.TestModels;

/** The shared backend contract on local GGUF models run by llama.cpp. */
class LlamaCppBackendContractTest extends ChatBackendContract {

    @Override
    protected AutoModel scriptedModel() {
        return AutoModel.builder().model(TestModels.scriptedChat()).threads(2).parallelSlots(2).maxModelLen(1024)
                .build();
    }

    @Override
    protected AutoModel queryDependentModel() {
        return AutoModel.builder().model(TestModels.majorityDigitChat()).threads(2).parallelSlots(4).maxModelLen(1024)
                .build();
    }
}
