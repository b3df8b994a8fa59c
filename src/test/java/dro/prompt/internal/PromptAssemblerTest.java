package dro.prompt.internal;

import dro.prompt.internal.PromptResources;
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
    void trainingSystemTextIsTheOriginalsInstructionsHeaderPromptAndExamples() {
        String system = PromptAssembler.trainingSystem("Be good.", List.of(new IclExample("q1", "<START>\na1\n<END>"),
                new IclExample("q2", "<START>\na2\n<END>"), new IclExample("q3", "<START>\na3\n<END>")));
        // written by hand from DRO-reference section 4: only the first "# Query" has a space
        assertEquals("# instructions\n\nBe good.\n\n"
                + "# Query:\nq1\n\n#Answer:\n<START>\na1\n<END>"
                + "\n\n#Query:\nq2\n\n#Answer:\n<START>\na2\n<END>"
                + "\n\n#Query:\nq3\n\n#Answer:\n<START>\na3\n<END>\n\n", system);
    }

    @Test
    void trainingSystemTextWithOneExampleAndWithNone() {
        assertEquals("# instructions\n\nBe good.\n\n# Query:\nq1\n\n#Answer:\n<START>\na1\n<END>\n\n",
                PromptAssembler.trainingSystem("Be good.", List.of(new IclExample("q1", "<START>\na1\n<END>"))));
        assertEquals("# instructions\n\nBe good.\n\n\n\n", PromptAssembler.trainingSystem("Be good.", List.of()));
        assertEquals("", PromptAssembler.trainingIcl(List.of()));
    }

    @Test
    void trainingSystemFollowedByTheUserTurnIsTheOriginalsRawPrompt() {
        String raw = PromptAssembler.trainingSystem("Be good.", List.of(new IclExample("q1", "<START>\na1\n<END>")))
                + PromptAssembler.user("Why?");
        assertEquals("# instructions\n\nBe good.\n\n# Query:\nq1\n\n#Answer:\n<START>\na1\n<END>\n\n"
                + "# Query:\nWhy?\n\n# Answer:\n<START>", raw);
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
