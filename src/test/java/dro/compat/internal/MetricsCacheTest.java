package dro.compat.internal;

import dro.compat.ArtifactException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dro.internal.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCacheTest {

    @TempDir
    Path tmp;

    static final String ENTRY = "{\"query_analysis\": {\"main_topic\": \"Caf\\u00e9s\"}, \"aspects_selection\":"
            + " {\"reasoning\": \"Because \\\"quoted\\\".\", \"selected_aspects\": [\"Helpfulness\", \"Safety\"]}}";

    @Test
    void writesJsonAsPythonsJsonDumpsWithIndentFour() throws Exception {
        JsonNode json = Json.MAPPER.readTree(ENTRY);
        MetricsCache cache = MetricsCache.empty().with(MetricsCache.entry("Où? \"x\"\n", json, "test"));

        assertEquals("{\n"
                + "    \"O\\u00f9? \\\"x\\\"\\n\": {\n"
                + "        \"query_analysis\": {\n"
                + "            \"main_topic\": \"Caf\\u00e9s\"\n"
                + "        },\n"
                + "        \"aspects_selection\": {\n"
                + "            \"reasoning\": \"Because \\\"quoted\\\".\",\n"
                + "            \"selected_aspects\": [\n"
                + "                \"Helpfulness\",\n"
                + "                \"Safety\"\n"
                + "            ]\n"
                + "        }\n"
                + "    }\n"
                + "}", cache.toJson());

        Path f = tmp.resolve("metrics_cache.json");
        cache.write(f);
        MetricsCache again = MetricsCache.read(f);
        assertEquals(List.of("Helpfulness", "Safety"), again.selectedAspects("Où? \"x\"\n").orElseThrow());
        assertEquals(cache.toJson(), Files.readString(f));
        assertEquals("{}", MetricsCache.empty().toJson());
    }

    @Test
    void aFloatBeyondDoublesIsWrittenAsPythonWritesItAndReadsBack() throws Exception {
        // found by MetricsCacheFuzzTest: 0.5e407 read as infinity was written back as Infinity (as Python's json.dumps
        // writes it), which the reader then refused as not JSON
        Path f = Files.writeString(tmp.resolve("m.json"), "{\"Hi\": {\"aspects_selection\": {\"selected_aspects\":"
                + " []}, \"n\": [0.5e407, -Infinity, NaN]}}");
        MetricsCache cache = MetricsCache.read(f);
        cache.write(f);
        assertEquals("{\n    \"Hi\": {\n        \"aspects_selection\": {\n            \"selected_aspects\": []\n"
                + "        },\n        \"n\": [\n            Infinity,\n            -Infinity,\n            NaN\n"
                + "        ]\n"
                + "    }\n}", Files.readString(f));
        assertEquals(cache.json(), MetricsCache.read(f).json());
    }

    @Test
    void anEntryWithoutSelectedAspectsIsAnErrorNamingItsQuery() throws Exception {
        Path f = Files.writeString(tmp.resolve("m.json"), "{\"Hi\": {\"aspects_selection\": {\"reasoning\": \"r\"}}}");
        ArtifactException e = assertThrows(ArtifactException.class, () -> MetricsCache.read(f));
        assertEquals("Metrics cache " + f + ": the entry for \"Hi\" has no \"aspects_selection\".\"selected_aspects\""
                + " list", e.getMessage());
    }

    @Test
    void concurrentWritersOfOneFileEachLeaveAWholeFileAndNoneFails() throws Exception {
        // Given four caches of different sizes, written to one file by four threads at once, many times over
        int writers = 4;
        List<MetricsCache> caches = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            MetricsCache c = MetricsCache.empty();
            for (int q = 0; q <= w * 40; q++) {
                c = c.with(MetricsCache.entry("query " + w + "/" + q, Json.MAPPER.readTree(ENTRY), "test"));
            }
            caches.add(c);
        }
        Path f = tmp.resolve("metrics_cache.json");
        CyclicBarrier start = new CyclicBarrier(writers);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (MetricsCache c : caches) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 100; i++) {
                        c.write(f);
                    }
                    return null;
                }));
            }
            // When they are done, then none failed ...
            for (Future<?> d : done) {
                d.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // ... the file is one writer's whole cache, and no temporary file is left beside it
        String text = Files.readString(f);
        assertTrue(caches.stream().anyMatch(c -> c.toJson().equals(text)), "the file is no writer's whole cache");
        try (var files = Files.list(tmp)) {
            assertEquals(Set.of(f), files.collect(java.util.stream.Collectors.toSet()));
        }
    }
}
