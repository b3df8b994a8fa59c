package dro.langchain4j;

import dro.testing.RequestRecorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import dro.AssembledPrompt;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@link DroChatModel} and {@link DroStreamingChatModel} over a real llama.cpp model (the generated scripted GGUF,
 * which answers {@code Hi<END>}), with what llama.cpp was sent recorded between AutoModel and the backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DroChatModelTest {

    private static final String OPTIMISED = "You are DRO-aligned: answer helpfully and honestly.";
    private static final GenerateOptions NO_ICL = GenerateOptions.builder().optimizedIcl(false).temperature(0)
            .maxNewTokens(16).build();

    interface Assistant {
        String chat(String question);
    }

    interface TerseAssistant {
        @SystemMessage("Be terse.")
        String chat(String question);
    }

    private RequestRecorder recording;
    private AutoModel auto;

    @BeforeAll
    void load() {
        recording = new RequestRecorder(AutoModel.builder().model(TestModels.scriptedChat()).threads(1).maxModelLen(12288)
                .buildChatModel());
        auto = AutoModel.builder().chatModel(recording).optimizedPrompt(OPTIMISED).build();
    }

    @AfterAll
    void close() {
        auto.close();
    }

    private DroChatModel dro() {
        return DroChatModel.builder().model(auto).options(NO_ICL).build();
    }

    @Test
    void anAiServiceAnswersThroughDroWithTheOptimisedSystemPrompt() {
        recording.seen.clear();
        Assistant a = AiServices.builder(Assistant.class).chatModel(dro()).build();
        assertEquals("Hi", a.chat("What is the capital of France?"));
        AssembledPrompt expected = auto.assemble("What is the capital of France?", NO_ICL);
        assertEquals(1, recording.seen.size());
        ChatModelRequest sent = recording.seen.get(0);
        assertEquals(expected.system(), sent.system());
        assertTrue(sent.system().contains(OPTIMISED), sent.system());
        assertEquals(expected.user(), sent.user());
        assertEquals(expected.prompt(), recording.renderPrompt(sent));
    }

    @Test
    void theIclExamplesRetrievedForTheQueryReachTheModel() {
        List<dro.icl.IclExample> icl = List.of(new dro.icl.IclExample("How do I boil an egg?", "<START>\nBoil it.\n<END>"),
                new dro.icl.IclExample("Name a bird.", "<START>\nA robin.\n<END>"));
        RequestRecorder rec = new RequestRecorder(AutoModel.builder().model(TestModels.scriptedChat()).threads(1)
                .maxModelLen(12288).buildChatModel());
        try (AutoModel withIcl = AutoModel.builder().chatModel(rec).optimizedPrompt(OPTIMISED).iclExamples(icl)
                .embedder(dro.testing.LetterEmbedder.INSTANCE).build()) {
            GenerateOptions oneIcl = NO_ICL.toBuilder().optimizedIcl(true).numOptimizedIcl(1).build();
            Assistant a = AiServices.builder(Assistant.class)
                    .chatModel(DroChatModel.builder().model(withIcl).options(oneIcl).build()).build();
            assertEquals("Hi", a.chat("How do I boil an egg?"));
            AssembledPrompt expected = withIcl.assemble("How do I boil an egg?", oneIcl);
            assertEquals(1, expected.examples().size());
            assertEquals(expected.system(), rec.seen.get(0).system());
            assertTrue(rec.seen.get(0).system().contains("Boil it."), rec.seen.get(0).system());
        }
    }

    @Test
    void aSystemMessageOfTheServiceReplacesTheOptimisedPrompt() {
        recording.seen.clear();
        TerseAssistant a = AiServices.builder(TerseAssistant.class).chatModel(dro()).build();
        assertEquals("Hi", a.chat("Why is the sky blue?"));
        AssembledPrompt expected = auto.assemble("Why is the sky blue?",
                NO_ICL.toBuilder().userSpecifiedSystemPrompt("Be terse.").build());
        assertEquals(expected.system(), recording.seen.get(0).system());
        assertTrue(!recording.seen.get(0).system().contains(OPTIMISED), recording.seen.get(0).system());
    }

    @Test
    void withChatMemoryOnlyTheLastUserMessageIsSentAsTheQuery() {
        recording.seen.clear();
        Assistant a = AiServices.builder(Assistant.class).chatModel(dro())
                .chatMemory(MessageWindowChatMemory.withMaxMessages(10)).build();
        a.chat("First question?");
        assertEquals("Hi", a.chat("Second question?"));
        assertEquals(2, recording.seen.size());
        ChatModelRequest second = recording.seen.get(1);
        assertEquals(2, second.messages().size(), second.messages().toString());
        assertEquals(auto.assemble("Second question?", NO_ICL).user(), second.user());
        assertTrue(!second.system().contains("First question?"), second.system());
    }

    @Test
    void usageFinishReasonAndHonouredParametersComeThrough() {
        recording.seen.clear();
        ChatResponse r = dro().chat(ChatRequest.builder().messages(UserMessage.from("Count?"))
                .parameters(ChatRequestParameters.builder().temperature(0.5).topP(0.9).maxOutputTokens(1)
                        .stopSequences(List.of("###")).build()).build());
        assertEquals("H", r.aiMessage().text());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals(1, r.tokenUsage().outputTokenCount());
        assertTrue(r.tokenUsage().inputTokenCount() > 0, r.tokenUsage().toString());
        ChatModelRequest sent = recording.seen.get(0);
        assertEquals(0.5, sent.temperature());
        assertEquals(0.9, sent.topP());
        assertEquals(1, sent.maxNewTokens());
        List<String> stop = new ArrayList<>(GenerateOptions.DEFAULT_STOP);
        stop.add("###");
        assertEquals(stop, sent.stop());
        ChatResponse full = dro().chat(UserMessage.from("Again?"));
        assertEquals("Hi", full.aiMessage().text());
        assertEquals(FinishReason.STOP, full.finishReason());
    }

    @Test
    void parametersDroCannotHonourAreRefusedByName() {
        UnsupportedFeatureException tools = assertThrows(UnsupportedFeatureException.class, () -> dro().chat(
                ChatRequest.builder().messages(UserMessage.from("x")).parameters(ChatRequestParameters.builder()
                        .topK(5).responseFormat(ResponseFormat.JSON).build()).build()));
        assertTrue(tools.getMessage().contains("topK") && tools.getMessage().contains("responseFormat JSON"),
                tools.getMessage());
        dev.langchain4j.exception.InvalidRequestException notUser = assertThrows(
                dev.langchain4j.exception.InvalidRequestException.class,
                () -> dro().chat(UserMessage.from("q"), AiMessage.from("an answer")));
        assertTrue(notUser.getMessage().contains("AI"), notUser.getMessage());
    }

    @Test
    void listenersHearTheRequestAndTheResponseOrTheError() {
        List<String> heard = new CopyOnWriteArrayList<>();
        ChatModelListener l = new ChatModelListener() {
            @Override
            public void onRequest(ChatModelRequestContext c) {
                heard.add("request " + ((UserMessage) c.chatRequest().messages().get(0)).singleText());
            }

            @Override
            public void onResponse(ChatModelResponseContext c) {
                heard.add("response " + c.chatResponse().aiMessage().text());
            }

            @Override
            public void onError(ChatModelErrorContext c) {
                heard.add("error " + c.error().getClass().getSimpleName());
            }
        };
        DroChatModel m = DroChatModel.builder().model(auto).options(NO_ICL).listeners(List.of(l)).build();
        m.chat("Hello?");
        assertThrows(UnsupportedFeatureException.class, () -> m.chat(ChatRequest.builder()
                .messages(UserMessage.from("Bye?")).parameters(ChatRequestParameters.builder().topK(3).build())
                .build()));
        assertEquals(List.of("request Hello?", "response Hi", "request Bye?", "error UnsupportedFeatureException"),
                heard);
    }

    @Test
    void theStreamingModelHandsOverPiecesThenTheCleanedAnswer() {
        DroStreamingChatModel s = DroChatModel.builder().model(auto).options(NO_ICL).buildStreaming();
        StringBuilder pieces = new StringBuilder();
        ChatResponse[] done = new ChatResponse[1];
        s.chat("Stream?", new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String piece) {
                pieces.append(piece);
            }

            @Override
            public void onCompleteResponse(ChatResponse r) {
                done[0] = r;
            }

            @Override
            public void onError(Throwable t) {
                throw new AssertionError(t);
            }
        });
        assertEquals("Hi", pieces.toString());
        assertEquals("Hi", done[0].aiMessage().text());
        assertEquals(FinishReason.STOP, done[0].finishReason());
    }

    @Test
    void theBuilderNamesAMissingModel() {
        dro.InvalidRequestException e = assertThrows(dro.InvalidRequestException.class,
                () -> DroChatModel.builder().build());
        assertTrue(e.getMessage().startsWith("model must not be null"), e.getMessage());
    }
}
