package dro.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.InvalidRequestException;
import dro.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The per-query aspect selections of DRO's dynamic reward, kept in the original's {@code metrics_cache.json} shape:
 * one JSON object mapping each query to
 * {@code {"query_analysis": {...}, "aspects_selection": {"reasoning": ..., "selected_aspects": [...]}}}.
 * A cache file written by the original loads and is used as it is; new entries are added and the file is rewritten
 * atomically after each.
 *
 * <p>Thread-safe.
 */
public final class MetricsCache {

    private final Path file;
    private final ObjectNode entries;

    private MetricsCache(Path file, ObjectNode entries) {
        this.file = file;
        this.entries = entries;
    }

    /** Opens (or starts) the cache at {@code file}; null keeps it in memory only. */
    public static MetricsCache open(Path file) {
        if (file == null || !Files.exists(file)) {
            return new MetricsCache(file, Json.MAPPER.createObjectNode());
        }
        try {
            JsonNode n = Json.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
            if (n == null || !n.isObject()) {
                throw new InvalidRequestException("Metrics cache " + file.toAbsolutePath()
                        + " must hold a JSON object mapping queries to aspect selections");
            }
            return new MetricsCache(file, (ObjectNode) n);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("Metrics cache " + file.toAbsolutePath() + " is not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    /** The cached selection for {@code query}, if it has a readable one. */
    public synchronized Optional<AspectSelection> get(String query) {
        JsonNode e = entries.get(query);
        return e instanceof ObjectNode o ? selection(o) : Optional.empty();
    }

    /** Stores a selection (its raw JSON) and rewrites the file. */
    public synchronized void put(String query, AspectSelection selection) {
        entries.set(query, selection.raw());
        if (file != null) {
            try {
                Path parent = file.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                Path tmp = Files.createTempFile(parent, "metrics", ".tmp");
                Files.writeString(tmp, Json.MAPPER.writeValueAsString(entries), StandardCharsets.UTF_8);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write the metrics cache " + file, e);
            }
        }
    }

    /** Reads a selection from its JSON; empty when it names no known aspect. */
    static Optional<AspectSelection> selection(ObjectNode raw) {
        JsonNode sel = raw.path("aspects_selection");
        List<String> aspects = new ArrayList<>();
        for (JsonNode a : sel.path("selected_aspects")) {
            Aspects.canonical(a.asText()).filter(x -> !aspects.contains(x)).ifPresent(aspects::add);
        }
        if (aspects.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new AspectSelection(aspects, sel.path("reasoning").asText(""), raw));
    }
}
