package dro.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import dro.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
    void bundledPoolsHoldAtLeastSixtyQueriesOfThreeKinds() {
        TrainingQueries.Pools pools = TrainingQueries.bundled();
        assertTrue(pools.size() >= 60, "got " + pools.size());
        assertTrue(!pools.general().isEmpty() && !pools.curated().isEmpty() && !pools.malicious().isEmpty());
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
