package dro.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChatModelRequestTest {

    private static String refused(Runnable r) {
        return assertThrows(InvalidRequestException.class, r::run).getMessage();
    }

    @Test
    void anEmptySystemMessageIsLeftOutAndTheDefaultsAreOneTextReplyAtTemperatureOne() {
        ChatModelRequest r = ChatModelRequest.builder("", "Hi?").build();
        assertEquals(List.of(ChatMessage.user("Hi?")), r.messages());
        assertEquals("", r.system());
        assertEquals("Hi?", r.user());
        assertEquals(1, r.n());
        assertEquals(1.0, r.temperature());
        assertEquals(1.0, r.topP());
        assertEquals(2048, r.maxNewTokens());
        assertEquals(List.of(), r.stop());
        assertEquals(null, r.seed());
        assertEquals(ResponseFormat.TEXT, r.responseFormat());
        assertFalse(r.rawPrompt());
        assertTrue(r.isSystemThenUser());
    }

    @Test
    void toBuilderDerivesAVariantAndLeavesTheOriginalAlone() {
        ChatModelRequest r = ChatModelRequest.builder("S", "U").temperature(0).seed(7L).stop("<END>").build();
        ChatModelRequest json = r.toBuilder().n(3).responseFormat(ResponseFormat.JSON_OBJECT).build();
        assertEquals(new ChatModelRequest(r.messages(), 3, 0, 1, 2048, List.of("<END>"), 7L, ResponseFormat.JSON_OBJECT,
                false), json);
        assertEquals(1, r.n());
        assertEquals(ResponseFormat.TEXT, r.responseFormat());
    }

    @Test
    void badValuesAreRefusedNamingTheValue() {
        assertEquals("n must be at least 1, but was 0", refused(() -> ChatModelRequest.builder("", "x").n(0).build()));
        assertEquals("temperature must be between 0.0 and 2.0, but was -0.1",
                refused(() -> ChatModelRequest.builder("", "x").temperature(-0.1).build()));
        assertEquals("topP must be in (0, 1], but was 0.0",
                refused(() -> ChatModelRequest.builder("", "x").topP(0).build()));
        assertEquals("maxNewTokens must be positive, but was 0",
                refused(() -> ChatModelRequest.builder("", "x").maxNewTokens(0).build()));
        assertEquals("stop strings must not be empty, but were [a, ]",
                refused(() -> ChatModelRequest.builder("", "x").stop("a", "").build()));
        assertEquals("messages must hold a user message, but were [ChatMessage[role=SYSTEM, text=S]]",
                refused(() -> ChatModelRequest.builder().addMessage(ChatMessage.system("S")).build()));
        assertEquals("a schema goes with JSON_SCHEMA and only with it, but the type was JSON_SCHEMA and the schema \"  \"",
                refused(() -> ResponseFormat.jsonSchema("  ")));
    }

    @Test
    void aModelThatTakesOneSystemAndOneUserMessageRefusesAConversation() {
        ModelCapabilities pair = ModelCapabilities.NONE.withMaxStopStrings(4);
        ChatModelRequest conversation = ChatModelRequest.builder().addMessage(ChatMessage.user("a"))
                .addMessage(ChatMessage.assistant("b")).addMessage(ChatMessage.user("c")).build();
        assertFalse(conversation.isSystemThenUser());
        assertEquals("m takes one optional system message and one user message, but the request has [USER, ASSISTANT,"
                + " USER]", refused(() -> pair.check(conversation, "m")));
        assertEquals("JSON object mode is not available on m", refused(() -> pair.check(ChatModelRequest
                .builder("", "x").responseFormat(ResponseFormat.JSON_OBJECT).build(), "m")));
        assertEquals("stop must hold at most 4 strings for m, but was [a, b, c, d, e]", refused(() -> pair.check(
                ChatModelRequest.builder("", "x").stop("a", "b", "c", "d", "e").build(), "m")));
    }
}
