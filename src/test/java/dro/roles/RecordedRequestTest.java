package dro.roles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.backend.ChatModelRequest;
import org.junit.jupiter.api.Test;

class RecordedRequestTest {

    @Test
    void aRequestWithoutRawPromptIsRecordedWithTheSameJsonAsBeforeSoOldCallRecordsStillMatch() {
        ChatModelRequest req = ChatModelRequest.builder("S", "U").temperature(0).build();
        assertEquals("{\"system\":\"S\",\"user\":\"U\",\"temperature\":0.0,\"topP\":1.0,\"maxTokens\":2048,\"n\":1,"
                + "\"seed\":null,\"jsonMode\":false,\"stop\":[]}",
                dro.internal.Json.MAPPER.valueToTree(RecordedRequest.of(req)).toString());
        assertTrue(dro.internal.Json.MAPPER.valueToTree(RecordedRequest.of(req.toBuilder().rawPrompt(true).build()))
                .get("rawPrompt").asBoolean());
    }
}
