package dro.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.InvalidRequestException;
import dro.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IclExamplesTest {

    @TempDir
    Path tmp;

    @Test
    void bundledExamplesAreInTheOriginalsShape() {
        List<IclExample> examples = IclExamples.bundled();
        assertTrue(examples.size() >= 16, "at least 16 examples, got " + examples.size());
        for (IclExample e : examples) {
            assertTrue(e.answer().startsWith("<START>\n") && e.answer().endsWith("\n<END>"), e.query());
            assertEquals(1, count(e.answer(), "<END>"), e.query());
        }
    }

    @Test
    void loadsTheOriginalsIclFileInFileOrder() throws Exception {
        Path file = SharedData.upstream().resolve("ICL_examples.json");
        JsonNode raw = new ObjectMapper().readTree(file.toFile());

        List<IclExample> examples = IclExamples.load(file);

        assertEquals(raw.size(), examples.size());
        assertEquals(raw.fieldNames().next(), examples.get(0).query());
        assertEquals(raw.get(examples.get(examples.size() - 1).query()).asText(),
                examples.get(examples.size() - 1).answer());
    }

    @Test
    void rejectsAMissingFileInsteadOfTurningIclOff() {
        Path f = tmp.resolve("missing.json");
        assertEquals("ICL file not found: " + f.toAbsolutePath(),
                assertThrows(InvalidRequestException.class, () -> IclExamples.load(f)).getMessage());
    }

    @Test
    void rejectsWrongShapesNamingTheFile() throws Exception {
        Path array = Files.writeString(tmp.resolve("a.json"), "[\"q\", \"a\"]");
        assertEquals("ICL file " + array.toAbsolutePath() + " must hold a JSON object mapping each query to its"
                + " answer, but holds a JSON ARRAY",
                assertThrows(InvalidRequestException.class, () -> IclExamples.load(array)).getMessage());

        Path number = Files.writeString(tmp.resolve("n.json"), "{\"What?\": 42}");
        assertEquals("ICL file " + number.toAbsolutePath() + ": the answer to query \"What?\" must be a non-empty"
                + " string, but is NUMBER",
                assertThrows(InvalidRequestException.class, () -> IclExamples.load(number)).getMessage());

        Path broken = Files.writeString(tmp.resolve("b.json"), "{\"What?\": ");
        assertTrue(assertThrows(InvalidRequestException.class, () -> IclExamples.load(broken)).getMessage()
                .startsWith("ICL file " + broken.toAbsolutePath() + " is not valid JSON"));

        Path empty = Files.writeString(tmp.resolve("e.json"), "{}");
        assertEquals("ICL file " + empty.toAbsolutePath() + " holds no examples",
                assertThrows(InvalidRequestException.class, () -> IclExamples.load(empty)).getMessage());
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
            n++;
        }
        return n;
    }
}
