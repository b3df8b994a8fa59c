package dro.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dro.internal.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    void anEntryWithoutSelectedAspectsIsAnErrorNamingItsQuery() throws Exception {
        Path f = Files.writeString(tmp.resolve("m.json"), "{\"Hi\": {\"aspects_selection\": {\"reasoning\": \"r\"}}}");
        ArtifactException e = assertThrows(ArtifactException.class, () -> MetricsCache.read(f));
        assertEquals("Metrics cache " + f + ": the entry for \"Hi\" has no \"aspects_selection\".\"selected_aspects\""
                + " list", e.getMessage());
    }
}
