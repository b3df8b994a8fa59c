package dro.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dro.AssembledPrompt;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.InvalidRequestException;
import dro.icl.IclExample;
import dro.prompt.OptimizedPrompt;
import dro.testing.LetterEmbedder;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.openai.OpenAiChatModel;

/**
 * {@link DroAdvisor} in a real {@link ChatClient} over Spring AI's {@link OpenAiChatModel} against the loopback
 * server: what the server receives is, message for message, what {@link AutoModel#assemble} builds, called and
 * streamed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DroAdvisorTest {

    private static final List<IclExample> ICL = List.of(
            new IclExample("How do I boil an egg?", "<START>\nBoil it.\n<END>"),
            new IclExample("Name a bird.", "<START>\nA robin.\n<END>"),
            new IclExample("How do I boil rice?", "<START>\nSimmer it.\n<END>"));
    private static final GenerateOptions TWO = GenerateOptions.builder().numOptimizedIcl(2).build();

    private ScriptedOpenAiServer server;
    private OpenAiChatModel openAi;
    private AutoModel dro;
    private ChatClient client;

    @BeforeAll
    void start() {
        server = ScriptedOpenAiServer.start();
        openAi = SpringAiChatModelContractTest.openAi(server, "gpt-test", null);
        dro = AutoModel.builder().chatModel(SpringAiChatModel.of(openAi)).optimizedPrompt("Be kind and brief.")
                .iclExamples(ICL).embedder(LetterEmbedder.INSTANCE).build();
        client = ChatClient.builder(openAi).defaultAdvisors(DroAdvisor.builder().model(dro).options(TWO).build())
                .build();
    }

    @BeforeEach
    void reset() {
        server.reset();
        server.respond(r -> Reply.completion("<START>\nBoil the egg for 8 minutes.\n<END>").withUsage(50, 9));
    }

    @AfterAll
    void stop() {
        dro.close();
        server.close();
    }

    private static List<String> messages(JsonNode request) {
        List<String> out = new ArrayList<>();
        request.path("messages").forEach(m -> out.add(m.path("role").asText() + ": " + m.path("content").asText()));
        return out;
    }

    private static List<String> expected(AssembledPrompt p) {
        return List.of("system: " + p.system(), "user: " + p.user());
    }

    @Test
    void aCallSendsExactlyTheAssembledMessagesAndAnswersTheCleanedText() {
        ChatClientResponse r = client.prompt().user("How do I boil a duck egg?").call().chatClientResponse();
        AssembledPrompt expected = dro.assemble("How do I boil a duck egg?", TWO);
        assertEquals(2, expected.examples().size());
        assertEquals(expected(expected), messages(server.lastRequest().json()));
        assertEquals(List.of("<END>", "<END", "<|eot_id|>"), server.lastRequest().stop());
        assertEquals("Boil the egg for 8 minutes.", r.chatResponse().getResult().getOutput().getText());
    }

    @Test
    void aStreamSendsExactlyTheAssembledMessages() {
        List<ChatResponse> chunks = client.prompt().user("How do I boil a duck egg?").stream().chatResponse()
                .collectList().block();
        assertTrue(server.lastRequest().stream());
        assertEquals(expected(dro.assemble("How do I boil a duck egg?", TWO)),
                messages(server.lastRequest().json()));
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> {
            if (c.getResult() != null && c.getResult().getOutput().getText() != null) {
                text.append(c.getResult().getOutput().getText());
            }
        });
        assertEquals("<START>\nBoil the egg for 8 minutes.\n<END>", text.toString(),
                "the loopback server ignores stop strings; a stream's pieces are the model's text");
        List<ChatResponse> withProvenance = chunks.stream()
                .filter(c -> c.getMetadata().containsKey(DroAdvisor.PROMPT_SOURCE)).toList();
        assertEquals(1, withProvenance.size(), "only the chunk that ends the stream: " + chunks);
        assertEquals("builder", withProvenance.get(0).getMetadata().get(DroAdvisor.PROMPT_SOURCE));
        assertEquals("stop", withProvenance.get(0).getResult().getMetadata().getFinishReason().toLowerCase());
    }

    @Test
    void aCallersSystemMessageReplacesTheOptimisedPromptAndTheExamplesStay() {
        client.prompt().system("You are a pirate.").user("Name a bird of the sea.").call().content();
        AssembledPrompt expected = dro.assemble("Name a bird of the sea.",
                TWO.toBuilder().userSpecifiedSystemPrompt("You are a pirate.").build());
        assertTrue(expected.system().startsWith("You are a pirate."), expected.system());
        assertEquals(expected(expected), messages(server.lastRequest().json()));
    }

    @Test
    void provenanceGoesIntoTheContextAndTheResponseMetadata() {
        ChatClientResponse r = client.prompt().user("How do I boil a duck egg?").call().chatClientResponse();
        List<String> used = dro.assemble("How do I boil a duck egg?", TWO).examples().stream()
                .map(IclExample::query).toList();
        assertEquals("builder", r.context().get(DroAdvisor.PROMPT_SOURCE));
        assertEquals("optimizedPrompt", r.context().get(DroAdvisor.PROMPT_ID));
        assertEquals(used, r.context().get(DroAdvisor.ICL_EXAMPLES));
        assertEquals("builder", r.chatResponse().getMetadata().get(DroAdvisor.PROMPT_SOURCE));
        assertEquals("optimizedPrompt", r.chatResponse().getMetadata().get(DroAdvisor.PROMPT_ID));
        assertEquals(used, r.chatResponse().getMetadata().get(DroAdvisor.ICL_EXAMPLES));
        assertEquals(Integer.valueOf(50), r.chatResponse().getMetadata().getUsage().getPromptTokens(),
                "the model's own metadata stays");
    }

    @Test
    void earlierTurnsStayBetweenTheSystemMessageAndTheQueryTurn() {
        client.prompt().messages(new UserMessage("Hello"), new AssistantMessage("Ahoy")).user("Name a bird.")
                .call().content();
        AssembledPrompt p = dro.assemble("Name a bird.", TWO);
        assertEquals(List.of("system: " + p.system(), "user: Hello", "assistant: Ahoy", "user: " + p.user()),
                messages(server.lastRequest().json()));
    }

    @Test
    void aPromptNotEndingInAUserMessageIsRefusedNamingWhatItEndsIn() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> client.prompt()
                .messages(new UserMessage("Hello"), new AssistantMessage("Ahoy")).call().content());
        Throwable cause = e;
        while (cause != null && !(cause instanceof InvalidRequestException)) {
            cause = cause.getCause();
        }
        assertEquals("DroAdvisor answers the last message as the query, so it must be a user message, but it was a"
                + " ASSISTANT", cause == null ? e.toString() : cause.getMessage());
        assertEquals(0, server.requests().size(), "nothing was sent");
    }

    @Test
    void aPromptOfTheRegistryIsNamedByItsIdInTheProvenance() {
        OptimizedPrompt chef = OptimizedPrompt.of("chef", "Answer like a chef.", List.of("gpt-test"), List.of(),
                "a test", "");
        try (AutoModel fromRegistry = AutoModel.builder().chatModel(SpringAiChatModel.of(openAi)).optimizedPrompt(chef)
                .iclExamples(ICL).embedder(LetterEmbedder.INSTANCE).build()) {
            ChatClient chef2 = ChatClient.builder(openAi).defaultAdvisors(DroAdvisor.builder().model(fromRegistry)
                    .options(TWO).build()).build();
            ChatClientResponse r = chef2.prompt().user("Name a bird.").call().chatClientResponse();
            AssembledPrompt expected = fromRegistry.assemble("Name a bird.", TWO);
            assertTrue(expected.system().startsWith("Answer like a chef.\n"), expected.system());
            assertEquals(expected(expected), messages(server.lastRequest().json()));
            assertEquals("registry", r.context().get(DroAdvisor.PROMPT_SOURCE));
            assertEquals("chef", r.context().get(DroAdvisor.PROMPT_ID));
            assertEquals("registry", r.chatResponse().getMetadata().get(DroAdvisor.PROMPT_SOURCE));
            assertEquals("chef", r.chatResponse().getMetadata().get(DroAdvisor.PROMPT_ID));
        }
    }

    @Test
    void aModelGivenOnFirstUseIsMadeByTheFirstRequestOnce() {
        AtomicInteger made = new AtomicInteger();
        DroAdvisor advisor = DroAdvisor.builder().modelOnFirstUse(() -> {
            made.incrementAndGet();
            return dro;
        }).options(TWO).build();
        ChatClient lazy = ChatClient.builder(openAi).defaultAdvisors(advisor).build();
        assertEquals(0, made.get(), "not made with the advisor");
        lazy.prompt().user("Name a bird.").call().content();
        assertEquals(expected(dro.assemble("Name a bird.", TWO)), messages(server.lastRequest().json()));
        lazy.prompt().user("Name a bird.").stream().content().blockLast();
        assertEquals(1, made.get());
        assertSame(dro, advisor.model());
    }

    @Test
    void anAdvisorTakesAModelOrAModelOnFirstUseNotBothNorNeither() {
        assertEquals("Give model or modelOnFirstUse, not both", assertThrows(InvalidRequestException.class,
                () -> DroAdvisor.builder().model(dro).modelOnFirstUse(() -> dro).build()).getMessage());
        assertEquals("model must not be null: give the AutoModel whose prompt and ICL examples the advisor uses",
                assertThrows(InvalidRequestException.class, () -> DroAdvisor.builder().build()).getMessage());
        DroAdvisor none = DroAdvisor.builder().modelOnFirstUse(() -> null).build();
        assertEquals("modelOnFirstUse gave no AutoModel (null)", assertThrows(InvalidRequestException.class,
                none::model).getMessage());
    }
}
