package dro.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dro.prompt.internal.PromptAssembler;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Streamed pieces join to what {@link PromptAssembler#answer} makes of the whole text. */
class AnswerPiecesTest {

    static String joined(List<String> pieces) {
        AnswerPieces a = new AnswerPieces();
        StringBuilder out = new StringBuilder();
        for (String p : pieces) {
            out.append(a.push(p));
        }
        return out.append(a.finish()).toString();
    }

    @Test
    void whiteSpaceAtTheStartAndTheEndIsLeftOutAndInsideKept() {
        List<String> pieces = List.of("\n", " Hel", "lo ", " ", "world", "\n", " ");
        assertEquals(PromptAssembler.answer(String.join("", pieces)), joined(pieces));
        assertEquals("Hello  world", joined(pieces));
    }

    @Test
    void aStartMarkerAtTheBeginningIsLeftOutEvenWhenSplitAcrossPieces() {
        List<String> pieces = List.of(" <ST", "ART>", "\nAn", " answer.");
        assertEquals(PromptAssembler.answer(String.join("", pieces)), joined(pieces));
        assertEquals("An answer.", joined(pieces));
    }

    @Test
    void anAnswerThatStartsLikeTheMarkerButIsNotItIsKept() {
        assertEquals("<b>bold</b>", joined(List.of("<", "b>bold", "</b>")));
        assertEquals("<ST", joined(List.of("<ST")));
    }
}
