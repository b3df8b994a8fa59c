package dro.roles.internal;

import dro.roles.AspectSelection;
import dro.roles.internal.Aspects;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.compat.internal.MetricsCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The per-query aspect selections of DRO's dynamic reward, kept in a file of the original's
 * {@code metrics_cache.json} shape ({@link MetricsCache}). A cache written by the original loads and is used as it is;
 * each new selection is added and the file rewritten atomically, in the original's own formatting.
 *
 * <p>Thread-safe.
 */
public final class AspectCache {

    private final Path file;
    private MetricsCache cache;

    private AspectCache(Path file, MetricsCache cache) {
        this.file = file;
        this.cache = cache;
    }

    /** Opens (or starts) the cache at {@code file}; null keeps it in memory only. */
    public static AspectCache open(Path file) {
        return new AspectCache(file, file == null || !Files.exists(file) ? MetricsCache.empty() : MetricsCache.read(file));
    }

    public synchronized int size() {
        return cache.size();
    }

    /** The cached selection for {@code query}, if it names at least one known aspect. */
    public synchronized Optional<AspectSelection> get(String query) {
        return cache.get(query).flatMap(e -> e.json() instanceof ObjectNode o ? selection(o) : Optional.empty());
    }

    /** Stores a selection (its raw JSON) and rewrites the file. */
    public synchronized void put(String query, AspectSelection selection) {
        cache = cache.with(MetricsCache.entry(query, selection.raw(), "aspect selection"));
        if (file != null) {
            cache.write(file);
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
