package dro.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.icl.IclExample;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptAssemblerTest {

    @Test
    void appendsExamplesInTheGivenOrderInTheOriginalsFormat() {
        String system = PromptAssembler.system("Be good.", List.of(
                new IclExample("q1", "<START>\na1\n<END>"), new IclExample("q2", "<START>\na2\n<END>")));
        assertEquals("Be good.\n\n#Query:\nq1\n\n#Answer:\n<START>\na1\n<END>\n\n#Query:\nq2\n\n#Answer:\n<START>\na2\n<END>",
                system);
    }

    @Test
    void systemPromptWithoutExamplesIsUnchanged() {
        assertEquals("Be good.", PromptAssembler.system("Be good.", List.of()));
    }

    @Test
    void userTurnEndsInStartMarker() {
        assertEquals("# Query:\nWhat is 2+2?\n\n# Answer:\n<START>", PromptAssembler.user("What is 2+2?"));
    }

    @Test
    void answerIsTheTextBeforeEndWithoutMarkers() {
        assertEquals("Four.", PromptAssembler.answer("\nFour.\n<END>\n#Query: more"));
        assertEquals("Four.", PromptAssembler.answer("<START>\nFour.<END>"));
        assertEquals("Four, and", PromptAssembler.answer(" Four, and "));
    }

    @Test
    void baseAlignmentPromptIsAResourceInTheReferenceShape() {
        String p = PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT);
        List<String> bullets = p.lines().filter(l -> l.startsWith("- ")).toList();
        assertFalse(p.startsWith("- "), "general instructions come first");
        assertTrue(bullets.size() >= 3 && bullets.size() <= 8, "at most 8 bullet points, got " + bullets.size());
        assertTrue(p.toLowerCase().contains("internet"), "states the model's limitations");
    }
}
