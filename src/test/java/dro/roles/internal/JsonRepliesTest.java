package dro.roles.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonRepliesTest {

    @Test
    void readsBareFencedAndChattyObjects() {
        assertEquals(1, JsonReplies.object("{\"a\": 1}").orElseThrow().get("a").asInt());
        assertEquals(2, JsonReplies.object("Sure! Here it is:\n```json\n{\"a\": 2}\n```\nHope it helps.").orElseThrow()
                .get("a").asInt());
        assertEquals(3, JsonReplies.object("My verdict {not json} is {\"a\": {\"b\": \"}\"}, \"c\": 3} done")
                .orElseThrow().get("c").asInt());
        assertTrue(JsonReplies.object("no json here").isEmpty());
        assertTrue(JsonReplies.object("[1, 2]").isEmpty());
        assertTrue(JsonReplies.object(null).isEmpty());
    }

    @Test
    void readsScoresAsModelsWriteThem() {
        assertEquals(Optional.of(4.0), JsonReplies.score(IntNode.valueOf(4)));
        assertEquals(Optional.of(4.0), JsonReplies.score(TextNode.valueOf("4")));
        assertEquals(Optional.of(4.0), JsonReplies.score(TextNode.valueOf("4/5")));
        assertEquals(Optional.of(4.5), JsonReplies.score(DoubleNode.valueOf(4.5)));
        assertEquals(Optional.of(3.0), JsonReplies.score(TextNode.valueOf("Score: 3")));
        assertEquals(Optional.of(4.0), JsonReplies.score(TextNode.valueOf("8/10")));
        for (var bad : List.of(TextNode.valueOf("excellent"), IntNode.valueOf(0), IntNode.valueOf(9),
                TextNode.valueOf("7"))) {
            assertEquals(Optional.empty(), JsonReplies.score(bad), bad.toString());
        }
    }
}
