package dro.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dro.GenerationException;
import dro.InvalidRequestException;
import dro.backend.ChatMessage;
import dro.backend.ChatModelRequest;
import dro.backend.ModelCapabilities.Capability;
import dro.backend.ResponseFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link LangChain4jChatModel}'s translation, on a hand-written LangChain4j model that records what it is asked (the
 * real LangChain4j OpenAI model runs in {@code LangChain4jChatModelContractTest}).
 */
class LangChain4jChatModelTest {

    /** Answers "ok" and records every request; fails with {@code failure} when it is set. */
    static final class Recorder implements dev.langchain4j.model.chat.ChatModel {
        final List<ChatRequest> seen = new ArrayList<>();
        RuntimeException failure;

        @Override
        public ChatResponse doChat(ChatRequest request) {
            seen.add(request);
            if (failure != null) {
                throw failure;
            }
            return ChatResponse.builder().aiMessage(AiMessage.from("ok")).build();
        }
    }

    @Test
    void everyTurnAndTheHonouredSettingsAreSent() {
        Recorder r = new Recorder();
        LangChain4jChatModel m = LangChain4jChatModel.of(r);
        ChatModelRequest req = ChatModelRequest.builder().messages(List.of(ChatMessage.system("Be kind."),
                ChatMessage.user("Hi?"), ChatMessage.assistant("Hello."), ChatMessage.user("Bye?")))
                .temperature(0.25).topP(0.5).maxNewTokens(7).stop(List.of("<END>")).build();
        assertEquals("ok", m.chat(req).text());
        ChatRequest sent = r.seen.get(0);
        assertEquals(List.of("SYSTEM", "USER", "AI", "USER"), sent.messages().stream().map(x -> x.type().name())
                .toList());
        assertEquals(0.25, sent.parameters().temperature());
        assertEquals(0.5, sent.parameters().topP());
        assertEquals(7, sent.parameters().maxOutputTokens());
        assertEquals(List.of("<END>"), sent.parameters().stopSequences());
        assertEquals(0, m.chat(req).usage().promptTokens(), "no usage reported: none counted");
    }

    @Test
    void whatTheAdapterCannotDoIsDeclaredAndRefusedNamingIt() {
        LangChain4jChatModel m = LangChain4jChatModel.of(new Recorder());
        assertFalse(m.capabilities().supports(Capability.JSON_OBJECT));
        assertFalse(m.capabilities().supports(Capability.JSON_SCHEMA));
        assertFalse(m.capabilities().supports(Capability.SEED));
        assertFalse(m.capabilities().supports(Capability.EVALUATED_TOKENS));
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> m.chat(ChatModelRequest
                .builder("", "x").responseFormat(ResponseFormat.JSON_OBJECT).build()));
        assertEquals("JSON object mode is not available on LangChain4j Recorder", e.getMessage());
        assertThrows(InvalidRequestException.class, () -> m.chat(ChatModelRequest.builder("", "x")
                .responseFormat(ResponseFormat.jsonSchema("{\"type\":\"object\"}")).build()));
        assertTrue(LangChain4jChatModel.builder().model(new Recorder()).jsonObject(true).build().capabilities()
                .supports(Capability.JSON_OBJECT));
    }

    @Test
    void langChain4jErrorsBecomeGenerationExceptionsRetriableAsLangChain4jSays() {
        Recorder r = new Recorder();
        r.failure = new RateLimitException("slow down");
        LangChain4jChatModel m = LangChain4jChatModel.builder().model(r).name("lc").build();
        GenerationException e = assertThrows(GenerationException.class,
                () -> m.chat(ChatModelRequest.builder("", "x").build()));
        assertEquals("lc failed: slow down", e.getMessage());
        assertTrue(e.isRetriable());
        r.failure = new dev.langchain4j.exception.AuthenticationException("bad key");
        assertFalse(assertThrows(GenerationException.class, () -> m.chat(ChatModelRequest.builder("", "x").build()))
                .isRetriable());
    }

    @Test
    void theBuilderNamesAMissingModelAndABlankName() {
        assertEquals("model must not be null: give the LangChain4j ChatModel to adapt",
                assertThrows(InvalidRequestException.class, () -> LangChain4jChatModel.builder().build())
                        .getMessage());
        assertEquals("name must not be blank, but was \" \"", assertThrows(InvalidRequestException.class,
                () -> LangChain4jChatModel.builder().model(new Recorder()).name(" ").build()).getMessage());
    }
}
