package dro.train.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.AutoModel;
import dro.backend.ChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.testing.ScriptedDroRoles;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole training loop over real HTTP: the roles are played by a scripted OpenAI-protocol server on loopback. */
class TrainOverHttpTest {

    @TempDir
    Path tmp;

    ScriptedOpenAiServer server;

    @BeforeEach
    void start() {
        server = ScriptedOpenAiServer.start().respond(ScriptedDroRoles.responder(ScriptedDroRoles::prefersTwo, null));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    ChatModel api(String model) {
        return OpenAiBackend.create(OpenAiChatClient.builder().model(model).apiKey("sk-test").baseUrl(server.baseUrl())
                .build(), 4);
    }

    TrainConfig config(Path dir) {
        return TrainConfig.builder().initialSystemPrompt("P").depth(4).maxDepthIncrease(0).logDir(dir)
                .baseModel("policy").judgeModel("judge-m").metricsModel("selector-m").optimizerModel("optimizer-m")
                .build();
    }

    static List<String> queries() {
        return List.of("What is rice?", "How do I boil water?", "Why is the sky blue?", "Name a colour.", "Why?");
    }

    @Test
    void apiBaseModelFindsTheBestPrompt() {
        TrainResult r = new DroTrainer(config(tmp.resolve("run")), new DroTrainer.Models(api("policy-m"),
                api("judge-m"), api("selector-m"), api("optimizer-m")), DroTrainerTest.ICL, DroTrainerTest.LETTERS)
                .run(queries(), TrainListener.NONE);

        assertEquals("P.2.2.2", r.optimizedPrompt());
        assertEquals(4.0, r.score(), 1e-9);
        long judgeCalls = server.requests().stream().filter(q -> "judge-m".equals(q.model())).count();
        assertEquals(1 + 3 + 6 + 6, judgeCalls);
        assertTrue(server.requests().stream().filter(q -> "optimizer-m".equals(q.model()))
                .allMatch(q -> q.n() == 3 && q.json().path("temperature").asDouble() == 0.2
                        && "json_object".equals(q.json().path("response_format").path("type").asText())));
        assertEquals(r.stats().made(), server.requests().size());
    }

    @Test
    void localGgufBaseModelTrainsWithApiRoles() throws Exception {
        try (ChatModel local = AutoModel.builder().model(TestModels.scriptedChat()).maxModelLen(12288).threads(2)
                .parallelSlots(4).buildChatModel()) {
            TrainResult r = new DroTrainer(config(tmp.resolve("run")), new DroTrainer.Models(
                    local, api("judge-m"), api("selector-m"),
                    api("optimizer-m")), DroTrainerTest.ICL, DroTrainerTest.LETTERS).run(queries(), TrainListener.NONE);

            // the local model always says "Hi": the judge scores every answer alike, so ties keep the first proposal
            assertEquals("P.0.0.0", r.optimizedPrompt());
            assertEquals("Hi", r.bestPath().get(0).output());
            assertEquals(16, r.stats().madeByRole().get("base"));

            try (AutoModel aligned = AutoModel.builder().model(TestModels.scriptedChat()).maxModelLen(12288)
                    .optimizedPromptFile(r.runDir()).build()) {
                assertEquals("P.0.0.0", aligned.systemPrompt(), "the run directory's prompt is used at once");
                assertTrue(aligned.assemble("Hi?", dro.GenerateOptions.builder().optimizedIcl(false).build()).system()
                        .startsWith("P.0.0.0"));
            }
        }
    }
}
