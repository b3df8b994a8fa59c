package dro.compat.internal;

import dro.compat.ArtifactException;
import dro.compat.internal.ArtifactFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.FileAccessException;
import dro.internal.AtomicFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The original's {@code metrics_cache.json}: for each training query, the aspect selection of the dynamic reward,
 * {@code {query: {"query_analysis": {...}, "aspects_selection": {"reasoning": ..., "selected_aspects": [...]}}}}.
 *
 * <p>Entries are read as plain data, with typed accessors for what the search needs, and the JSON of each entry is
 * kept as it was: {@link #toJson()} writes the file back exactly as the original's Python wrote it
 * ({@code json.dumps(cache, indent=4)}), so an unchanged cache round-trips byte for byte.
 *
 * <p>Immutable and thread-safe; {@link #with} returns a new cache.
 */
public final class MetricsCache {

    private final Map<String, Entry> entries;

    /**
     * One cached aspect selection.
     *
     * @param query           the training query
     * @param queryAnalysis   the analysis (main topic, intent, ambiguities, response format, challenges), as JSON
     * @param reasoning       why these aspects
     * @param selectedAspects the aspects the reward uses for this query
     * @param json            the entry exactly as stored
     */
    public record Entry(String query, JsonNode queryAnalysis, String reasoning, List<String> selectedAspects,
                        JsonNode json) {
        public Entry {
            selectedAspects = List.copyOf(selectedAspects);
            queryAnalysis = queryAnalysis.deepCopy();
            json = json.deepCopy();
        }

        @Override
        public JsonNode queryAnalysis() {
            return queryAnalysis.deepCopy();
        }

        @Override
        public JsonNode json() {
            return json.deepCopy();
        }
    }

    private MetricsCache(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** A cache with no entries. */
    public static MetricsCache empty() {
        return new MetricsCache(new LinkedHashMap<>());
    }

    /**
     * Reads a {@code metrics_cache.json}.
     *
     * @throws ArtifactException if it is missing, not JSON, or an entry is not of the original's shape (the message
     *                           names the query)
     */
    public static MetricsCache read(Path file) {
        return parse(ArtifactFiles.json(file, "Metrics cache"), "Metrics cache " + file.toAbsolutePath());
    }

    /** Parses the JSON of a metrics cache; {@code source} names it in error messages. */
    public static MetricsCache parse(JsonNode root, String source) {
        if (!root.isObject()) {
            throw new ArtifactException(source + " must hold a JSON object of query to aspect selection, but holds a "
                    + root.getNodeType());
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            entries.put(e.getKey(), entry(e.getKey(), e.getValue(), source));
        }
        return new MetricsCache(entries);
    }

    /** An entry from its JSON, checked. */
    public static Entry entry(String query, JsonNode json, String source) {
        String where = source + ": the entry for " + dro.internal.Validation.quote(query);
        if (!json.isObject()) {
            throw new ArtifactException(where + " is a " + json.getNodeType() + ", expected an object");
        }
        JsonNode selection = json.get("aspects_selection");
        if (selection == null || !selection.isObject()) {
            throw new ArtifactException(where + " has no \"aspects_selection\" object");
        }
        JsonNode aspects = selection.get("selected_aspects");
        if (aspects == null || !aspects.isArray()) {
            throw new ArtifactException(where + " has no \"aspects_selection\".\"selected_aspects\" list");
        }
        List<String> selected = new ArrayList<>();
        for (JsonNode a : aspects) {
            if (!a.isTextual()) {
                throw new ArtifactException(where + " has a selected aspect that is a " + a.getNodeType()
                        + ", expected a string");
            }
            selected.add(a.asText());
        }
        JsonNode analysis = json.get("query_analysis");
        return new Entry(query, analysis == null ? JsonNodeFactory.instance.objectNode() : analysis,
                selection.path("reasoning").asText(""), selected, json);
    }

    public int size() {
        return entries.size();
    }

    /** The queries, in file order. */
    public List<String> queries() {
        return List.copyOf(entries.keySet());
    }

    public Optional<Entry> get(String query) {
        return Optional.ofNullable(entries.get(query));
    }

    /** The aspects selected for a query, if it is cached. */
    public Optional<List<String>> selectedAspects(String query) {
        return get(query).map(Entry::selectedAspects);
    }

    /** A cache with this entry added (or replaced, keeping its position). */
    public MetricsCache with(Entry entry) {
        Map<String, Entry> copy = new LinkedHashMap<>(entries);
        copy.put(entry.query(), entry);
        return new MetricsCache(copy);
    }

    /** The whole cache as JSON. */
    public ObjectNode json() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        for (Entry e : entries.values()) {
            root.set(e.query(), e.json());
        }
        return root;
    }

    /** The file's text, as the original's Python writes it. */
    public String toJson() {
        return PythonJson.dumps(json());
    }

    /**
     * Writes the cache to a file, atomically (a temporary file of its own beside it, then a move), so that concurrent
     * writers of one file never mix their bytes.
     */
    public void write(Path file) {
        try {
            AtomicFiles.write(file, toJson());
        } catch (FileAccessException e) {
            throw new FileAccessException("Cannot write metrics cache " + file.toAbsolutePath() + ": " + e.getCause(),
                    file, e.getCause());
        }
    }

    @Override
    public String toString() {
        return "MetricsCache[" + entries.size() + " queries]";
    }
}
