package dro.train.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class IclAnswersTest {

    @Test
    void wrapsAnAnswerWithoutMarkers() {
        assertEquals(Optional.of("<START>\nRinse the rice.\n<END>"), IclAnswers.wrap("  Rinse the rice.\n"));
    }

    @Test
    void normalisesMarkersWrittenInOtherWays() {
        assertEquals(Optional.of("<START>\nA\n\nB\n<END>"), IclAnswers.wrap("<START>A\n\nB<END>"));
        assertEquals(Optional.of("<START>\nA\n<END>"), IclAnswers.wrap("<START>\nA\n<END>\nanything after"));
        assertEquals(Optional.of("<START>\nA\n<END>"), IclAnswers.wrap("<START>\nA"));
        assertEquals(Optional.of("<START>\nA\n<END>"), IclAnswers.wrap("A<END>"));
    }

    @Test
    void anAnswerWithNothingBetweenTheMarkersIsEmpty() {
        assertEquals(Optional.empty(), IclAnswers.wrap("<START>\n \n<END>"));
        assertEquals(Optional.empty(), IclAnswers.wrap(""));
        assertEquals(Optional.empty(), IclAnswers.wrap(null));
    }

    @Test
    void theBodyIsTheTextBetweenTheMarkers() {
        assertEquals("A\nB", IclAnswers.body("<START>\nA\nB\n<END>"));
    }
}
