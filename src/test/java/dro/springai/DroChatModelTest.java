package dro.springai;

import dro.testing.RequestRecorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.AssembledPrompt;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.InvalidRequestException;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModel;
import dro.testing.TestModels;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * {@link DroChatModel} over a real llama.cpp model (the generated scripted GGUF, which answers {@code Hi<END>}), with
 * what llama.cpp was sent recorded between AutoModel and the backend, and its observations recorded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DroChatModelTest {

    private static final String OPTIMISED = "You are DRO-aligned: answer helpfully and honestly.";
    private static final GenerateOptions NO_ICL = GenerateOptions.builder().optimizedIcl(false).temperature(0)
            .maxNewTokens(16).build();

    private RequestRecorder recording;
    private AutoModel auto;
    private final List<Observation.Context> observed = new CopyOnWriteArrayList<>();
    private DroChatModel dro;

    @BeforeAll
    void load() {
        recording = new RequestRecorder(AutoModel.builder().model(TestModels.scriptedChat()).threads(1).maxModelLen(12288)
                .buildChatModel());
        auto = AutoModel.builder().chatModel(recording).optimizedPrompt(OPTIMISED).build();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStop(Observation.Context context) {
                observed.add(context);
            }
        });
        dro = DroChatModel.builder().model(auto).options(NO_ICL).observationRegistry(registry).build();
    }

    @BeforeEach
    void clear() {
        recording.seen.clear();
        observed.clear();
    }

    @AfterAll
    void close() {
        auto.close();
    }

    @Test
    void aChatClientAnswersThroughDroWithTheAssembledMessages() {
        String answer = ChatClient.create(dro).prompt().user("What is the capital of France?").call().content();
        assertEquals("Hi", answer);
        AssembledPrompt expected = auto.assemble("What is the capital of France?", NO_ICL);
        assertEquals(1, recording.seen.size());
        ChatModelRequest sent = recording.seen.get(0);
        assertEquals(expected.system(), sent.system());
        assertEquals(expected.user(), sent.user());
    }

    @Test
    void aSystemMessageReplacesTheOptimisedPromptAndEarlierTurnsAreNotSent() {
        dro.call(new Prompt(List.of(new SystemMessage("Be terse."), new UserMessage("First?"),
                new AssistantMessage("Hi"), new UserMessage("Why is the sky blue?"))));
        AssembledPrompt expected = auto.assemble("Why is the sky blue?",
                NO_ICL.toBuilder().userSpecifiedSystemPrompt("Be terse.").build());
        ChatModelRequest sent = recording.seen.get(0);
        assertEquals(2, sent.messages().size(), sent.messages().toString());
        assertEquals(expected.system(), sent.system());
        assertEquals(expected.user(), sent.user());
    }

    @Test
    void usageFinishReasonAndHonouredOptionsComeThrough() {
        ChatResponse r = dro.call(new Prompt("Count?", ChatOptions.builder().temperature(0.5).topP(0.9).maxTokens(1)
                .stopSequences(List.of("###")).build()));
        assertEquals("H", r.getResult().getOutput().getText());
        assertEquals("LENGTH", r.getResult().getMetadata().getFinishReason());
        assertEquals(Integer.valueOf(1), r.getMetadata().getUsage().getCompletionTokens());
        assertTrue(r.getMetadata().getUsage().getPromptTokens() > 0, r.getMetadata().getUsage().toString());
        assertEquals(r.getMetadata().getUsage().getPromptTokens() + 1, r.getMetadata().getUsage().getTotalTokens());
        assertEquals("dro4j", r.getMetadata().getModel());
        ChatModelRequest sent = recording.seen.get(0);
        assertEquals(0.5, sent.temperature());
        assertEquals(0.9, sent.topP());
        assertEquals(1, sent.maxNewTokens());
        List<String> stop = new ArrayList<>(GenerateOptions.DEFAULT_STOP);
        stop.add("###");
        assertEquals(stop, sent.stop());
        ChatResponse full = dro.call(new Prompt("Again?"));
        assertEquals("Hi", full.getResult().getOutput().getText());
        assertEquals("STOP", full.getResult().getMetadata().getFinishReason());
    }

    @Test
    void optionsDroCannotHonourAreRefusedByNameBeforeAnythingIsGenerated() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> dro.call(new Prompt("x",
                ChatOptions.builder().model("gpt-4o").topK(5).frequencyPenalty(0.1).presencePenalty(0.2).build())));
        assertEquals("dro4j honours temperature, topP, maxTokens and stopSequences, but the prompt's options also set"
                + " model (the AutoModel decides the model), topK, frequencyPenalty, presencePenalty", e.getMessage());
        InvalidRequestException notUser = assertThrows(InvalidRequestException.class,
                () -> dro.call(new Prompt(List.of(new UserMessage("q"), new AssistantMessage("an answer")))));
        assertEquals("dro4j answers the last message as the query, so it must be a user message, but it was a"
                + " ASSISTANT", notUser.getMessage());
        assertEquals(0, recording.seen.size());
    }

    @Test
    void aStreamEmitsThePiecesThenTheFinishReasonAndUsage() {
        List<ChatResponse> chunks = dro.stream(new Prompt("Stream?")).collectList().block();
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.getResult().getOutput().getText()));
        assertEquals("Hi", text.toString());
        assertTrue(chunks.size() >= 2, chunks.toString());
        ChatResponse last = chunks.get(chunks.size() - 1);
        assertEquals("", last.getResult().getOutput().getText());
        assertEquals("STOP", last.getResult().getMetadata().getFinishReason());
        assertEquals(Integer.valueOf(2 + 4), last.getMetadata().getUsage().getCompletionTokens(),
                "H, i and the 4 tokens of <END, the stop string of DRO's that ends it first");
        assertEquals("Hi", String.join("", ChatClient.create(dro).prompt().user("Stream?").stream().content()
                .collectList().block()));
    }

    @Test
    void cancellingAStreamStopsTheGenerationAndTheModelStaysUsable() {
        GenerateOptions noStop = NO_ICL.toBuilder().stop(List.of()).maxNewTokens(2000).build();
        DroChatModel endless = DroChatModel.builder().model(auto).options(noStop).build();
        List<ChatResponse> first = endless.stream(new Prompt("Go on.")).take(3).collectList().block();
        assertEquals(List.of("H", "i", "<"), first.stream().map(c -> c.getResult().getOutput().getText()).toList());
        assertEquals("Hi", dro.call(new Prompt("Still there?")).getResult().getOutput().getText());
    }

    @Test
    void callsAndStreamsAreObservedWithSpringAisGenAiConventions() {
        dro.call(new Prompt("Observe?", ChatOptions.builder().temperature(0.0).build()));
        dro.stream(new Prompt("Observe a stream?")).blockLast();
        assertEquals(2, observed.size());
        for (Observation.Context c : observed) {
            assertEquals("gen_ai.client.operation", c.getName());
            assertEquals("chat", c.getLowCardinalityKeyValue("gen_ai.operation.name").getValue());
            assertEquals("dro4j", c.getLowCardinalityKeyValue("gen_ai.system").getValue());
            assertEquals("dro4j", c.getLowCardinalityKeyValue("gen_ai.response.model").getValue());
            KeyValue out = c.getHighCardinalityKeyValue("gen_ai.usage.output_tokens");
            assertEquals("6", out.getValue(), c.toString());
        }
        assertEquals("0.0", observed.get(0).getHighCardinalityKeyValue("gen_ai.request.temperature").getValue());
    }
}
