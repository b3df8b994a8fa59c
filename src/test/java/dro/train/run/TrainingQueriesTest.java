package dro.train.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import dro.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingQueriesTest {

    @TempDir
    Path tmp;

    private static List<String> pool(String prefix, int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(prefix + i);
        }
        return l;
    }

    @Test
    void aQueriesFileThatIsNotUtf8IsNamed() throws Exception {
        // found by DataFileFuzzTest: an UncheckedIOException (MalformedInputException) that named no file
        Path f = Files.write(tmp.resolve("q.json"), new byte[] {'[', '"', (byte) 0xff, '"', ']'});
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> TrainingQueries.fromFile(f));
        assertEquals("Training file " + f.toAbsolutePath() + " is not UTF-8 text", e.getMessage());
    }

    @Test
    void drawsInProportionWithRemaindersRoundRobin() {
        TrainingQueries.Pools pools = new TrainingQueries.Pools(pool("g", 50), pool("c", 30), pool("m", 20));
        // 11 of 100: floor gives 5, 3, 2 = 10; the remainder goes to the first pool
        List<String> s = TrainingQueries.sample(pools, 11, 42);
        assertEquals(6, s.stream().filter(q -> q.startsWith("g")).count());
        assertEquals(3, s.stream().filter(q -> q.startsWith("c")).count());
        assertEquals(2, s.stream().filter(q -> q.startsWith("m")).count());
        assertEquals(11, new HashSet<>(s).size(), "no query twice");
    }

    @Test
    void sampleIsReproducibleAndDependsOnTheSeed() {
        TrainingQueries.Pools pools = TrainingQueries.bundled();
        assertEquals(TrainingQueries.sample(pools, 40, 42), TrainingQueries.sample(pools, 40, 42));
        assertNotEquals(TrainingQueries.sample(pools, 40, 42), TrainingQueries.sample(pools, 40, 7));
    }

    @Test
    void bundledPoolsHoldAtLeastTheOriginalsCountOfEachKind() {
        TrainingQueries.Pools pools = TrainingQueries.bundled();
        // the original's pools: 86 instructions, 52 open questions, 41 harmful requests
        assertTrue(pools.general().size() >= 86, "instructions: " + pools.general().size());
        assertTrue(pools.curated().size() >= 52, "open questions: " + pools.curated().size());
        assertTrue(pools.malicious().size() >= 41, "harmful requests: " + pools.malicious().size());
        assertTrue(pools.size() >= 180, "the default draw of 180 needs at least 180 queries, got " + pools.size());
    }

    @Test
    void bundledPoolsHoldNoQueryTwiceNotEvenUpToCaseAndSpaces() {
        TrainingQueries.Pools pools = TrainingQueries.bundled();
        List<String> all = new ArrayList<>(pools.general());
        all.addAll(pools.curated());
        all.addAll(pools.malicious());
        Map<String, String> seen = new HashMap<>();
        for (String q : all) {
            assertFalse(q.isBlank());
            String before = seen.put(normalised(q), q);
            assertNull(before, "twice: \"" + q + "\" and \"" + before + "\"");
        }
    }

    @Test
    void bundledPoolsShareNoQueryWithTheOriginalsPools() {
        TrainingQueries.Pools ours = TrainingQueries.bundled();
        TrainingQueries.Pools original = TrainingQueries.load(SharedData.upstream());
        Set<String> theirs = new HashSet<>();
        for (List<String> pool : List.of(original.general(), original.curated(), original.malicious())) {
            pool.forEach(q -> theirs.add(normalised(q)));
        }
        assertEquals(86 + 52, original.general().size() + original.curated().size(), "the original's pools were read");
        for (List<String> pool : List.of(ours.general(), ours.curated(), ours.malicious())) {
            for (String q : pool) {
                assertFalse(theirs.contains(normalised(q)), "also in the original's pools: " + q);
            }
        }
    }

    @Test
    void theDefaultDrawOf180TakesEachKindInProportionToItsPool() {
        TrainingQueries.Pools pools = TrainingQueries.bundled();
        List<String> drawn = TrainingQueries.sample(pools, 180, 42);
        int total = pools.size();
        long[] expected = new long[3];
        int assigned = 0;
        List<List<String>> kinds = List.of(pools.general(), pools.curated(), pools.malicious());
        for (int i = 0; i < 3; i++) {
            expected[i] = 180L * kinds.get(i).size() / total;
            assigned += (int) expected[i];
        }
        for (int i = 0; assigned < 180; i = (i + 1) % 3) {
            expected[i]++;
            assigned++;
        }
        assertEquals(180, drawn.size());
        assertEquals(180, new HashSet<>(drawn).size(), "no query twice");
        for (int i = 0; i < 3; i++) {
            Set<String> kind = new HashSet<>(kinds.get(i));
            assertEquals(expected[i], drawn.stream().filter(kind::contains).count(), "pool " + i);
        }
        // with 88 + 53 + 42 = 183 queries: floor gives 86 + 52 + 41 = 179, the remaining one goes to the instructions
        assertEquals(List.of(88, 53, 42), List.of(pools.general().size(), pools.curated().size(),
                pools.malicious().size()));
        assertEquals(87, expected[0]);
        assertEquals(52, expected[1]);
        assertEquals(41, expected[2]);
    }

    private static String normalised(String q) {
        return q.strip().replaceAll("\\s+", " ").toLowerCase(java.util.Locale.ROOT);
    }

    @Test
    void readsTheOriginalsPoolFiles() throws Exception {
        TrainingQueries.Pools pools = TrainingQueries.load(SharedData.upstream());
        assertEquals(86, pools.general().size());
        assertEquals(52, pools.curated().size());
        assertEquals(Files.readAllLines(SharedData.upstream().resolve("mal_train.txt")).stream()
                .filter(l -> !l.isBlank()).count(), pools.malicious().size());
        assertEquals(30, TrainingQueries.sample(pools, 30, 42).size());
    }

    @Test
    void rejectsMoreExamplesThanThePoolsHold() {
        TrainingQueries.Pools pools = new TrainingQueries.Pools(pool("g", 2), pool("c", 2), pool("m", 1));
        assertEquals("numTrainingExamples must be between 1 and 5 (the queries in the pools), but was 6",
                assertThrows(InvalidRequestException.class, () -> TrainingQueries.sample(pools, 6, 42)).getMessage());
    }

    @Test
    void queriesFileIsUsedExactlyInOrder() throws Exception {
        Path f = Files.writeString(tmp.resolve("q.json"), "[\"second\\nline\", \"first\", \"second\\nline\"]");
        assertEquals(List.of("second\nline", "first", "second\nline"), TrainingQueries.fromFile(f));
        Path bad = Files.writeString(tmp.resolve("b.json"), "[\"ok\", 3]");
        assertEquals("Queries file " + bad.toAbsolutePath() + ": element 1 must be a non-empty string, but is NUMBER",
                assertThrows(InvalidRequestException.class, () -> TrainingQueries.fromFile(bad)).getMessage());
    }
}
