package dro.train.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import dro.icl.IclExamples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IclSeedsTest {

    @TempDir
    Path tmp;

    @Test
    void readsAnIclFileWhoseMissingAnswersAreToBeWritten() throws Exception {
        Path f = Files.writeString(tmp.resolve("s.json"), "{\"q1\": \"<START>\\nA\\n<END>\", \"q2\": null, \"q3\": \"\"}");
        List<IclSeed> seeds = IclSeeds.load(f);
        assertEquals(List.of(new IclSeed("q1", "<START>\nA\n<END>"), new IclSeed("q2", null), new IclSeed("q3", "")),
                seeds);
        assertEquals(List.of(false, true, true), seeds.stream().map(IclSeed::needsAnswer).toList());
    }

    @Test
    void readsAListOfQueries() {
        assertEquals(List.of(new IclSeed("a?", null), new IclSeed("b?", null)), IclSeeds.parse("[\"a?\", \"b?\"]", "x"));
    }

    @Test
    void theBundledExamplesAreSeedsWithAnswers() {
        List<IclSeed> seeds = IclSeeds.bundled();
        assertEquals(IclExamples.bundled().size(), seeds.size());
        assertTrue(seeds.stream().noneMatch(IclSeed::needsAnswer));
    }

    @Test
    void badSeedFilesAreNamed() {
        assertEquals("Seed file x must hold a JSON object mapping each query to its answer, or a JSON array of queries,"
                + " but holds a JSON STRING", message("\"q\""));
        assertEquals("Seed file x: the answer to query \"q\" must be a string or null, but is a JSON NUMBER",
                message("{\"q\": 3}"));
        assertEquals("Seed file x: element 2 must be a query string, but is a JSON OBJECT", message("[\"a\", {}]"));
        assertEquals("Seed file x holds no queries", message("[]"));
        assertEquals("Seed file x: query 2 is empty", message("[\"a\", \" \"]"));
        assertEquals("Seed file x: query \"a\" appears twice", message("[\"a\", \"a\"]"));
        assertTrue(message("{").startsWith("Seed file x is not valid JSON: "), message("{"));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> IclSeeds.load(tmp.resolve("none.json")));
        assertEquals("Seed file not found: " + tmp.resolve("none.json").toAbsolutePath(), e.getMessage());
    }

    static String message(String json) {
        return assertThrows(InvalidRequestException.class, () -> IclSeeds.parse(json, "x")).getMessage();
    }
}
