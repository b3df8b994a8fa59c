package dro.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.GenerationException;
import dro.InvalidRequestException;
import dro.backend.ChatModelRequest;
import dro.icl.IclExample;
import dro.testing.LetterEmbedder;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link SpringAiChatModel} beyond the contract: errors, its builder, and as the model under {@link AutoModel}. */
class SpringAiChatModelTest {

    private final ScriptedOpenAiServer server = ScriptedOpenAiServer.start();

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aServerErrorBecomesARetriableGenerationExceptionAndABadRequestANonRetriableOne() {
        SpringAiChatModel model = SpringAiChatModel.of(SpringAiChatModelContractTest.openAi(server, "m", null));
        server.enqueue(Reply.error(503, "overloaded"));
        GenerationException busy = assertThrows(GenerationException.class,
                () -> model.chat(ChatModelRequest.builder("s", "u").build()));
        assertTrue(busy.isRetriable(), busy.toString());
        assertTrue(busy.getMessage().startsWith("Spring AI OpenAiChatModel failed: "), busy.getMessage());
        server.enqueue(Reply.error(400, "bad"));
        GenerationException bad = assertThrows(GenerationException.class,
                () -> model.chat(ChatModelRequest.builder("s", "u").build()));
        assertFalse(bad.isRetriable(), bad.toString());
    }

    @Test
    void theBuilderRefusesAMissingModelAndABlankName() {
        assertEquals("model must not be null: give the Spring AI ChatModel to adapt",
                assertThrows(InvalidRequestException.class, () -> SpringAiChatModel.builder().build()).getMessage());
        assertEquals("name must not be blank, but was \" \"", assertThrows(InvalidRequestException.class,
                () -> SpringAiChatModel.builder().model(SpringAiChatModelContractTest.openAi(server, "m", null))
                        .name(" ").build()).getMessage());
    }

    @Test
    void underAnAutoModelItReceivesTheAssembledSystemAndUserMessagesAndItsAnswerIsCleaned() {
        server.respond(r -> Reply.completion("Boil it.<END>").withUsage(40, 5));
        List<IclExample> icl = List.of(new IclExample("How do I cook rice?", "Rinse, then simmer."));
        try (AutoModel dro = AutoModel.builder().optimizedPrompt("Be kind.").iclExamples(icl)
                .embedder(LetterEmbedder.INSTANCE)
                .chatModel(SpringAiChatModel.of(SpringAiChatModelContractTest.openAi(server, "gpt-x", null)))
                .build()) {
            GenerateOptions o = GenerateOptions.builder().numOptimizedIcl(1).build();
            assertEquals("Boil it.", dro.generate("How do I cook pasta?", o));
            var assembled = dro.assemble("How do I cook pasta?", o);
            assertEquals(assembled.system(), server.lastRequest().message("system"));
            assertEquals(assembled.user(), server.lastRequest().message("user"));
        }
    }
}
