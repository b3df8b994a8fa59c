package dro.compat.internal;

import dro.compat.ArtifactException;
import com.fasterxml.jackson.databind.JsonNode;
import dro.internal.ModelNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The original's {@code model_mapping.json}: model name to the file holding its optimised prompt
 * ({@code {"mistralai/Mistral-7B-v0.1": "./data/mistral-7b-v0.1/output.pkl", ...}}).
 *
 * <h2>How paths resolve</h2>
 * Relative to the mapping file's directory, which is the original's {@code data/} directory: a leading
 * {@code ./data/} (the original's paths are relative to its repository root) is dropped when the path does not exist
 * as written. A path that still does not exist is matched part by part against the names on disk ignoring case and
 * whitespace, so the original's broken entry {@code "./data/llama 2-7b/output.pkl"} finds {@code llama2-7b/} (with a
 * warning). Entries whose file is missing are kept, unresolved. An absolute path, or one that leads outside the
 * directory (also through a symbolic link), makes the whole file an error.
 *
 * <p>Immutable and thread-safe.
 *
 * @param file    the mapping file
 * @param entries its entries, in file order
 */
public record ModelMapping(Path file, List<Entry> entries) {

    private static final Logger log = LoggerFactory.getLogger(ModelMapping.class);

    public ModelMapping {
        entries = List.copyOf(entries);
    }

    /**
     * One mapping.
     *
     * @param model        the model name (trimmed)
     * @param declaredPath the path as written in the file
     * @param resolved     the existing file it resolves to, if any
     * @param note         how it resolved: empty when exactly as written, else what was done or why it failed
     */
    public record Entry(String model, String declaredPath, Optional<Path> resolved, String note) { }

    /** The directory paths are resolved against. */
    public Path directory() {
        return file.toAbsolutePath().getParent();
    }

    /** The prompt file of a model: its name compared case-insensitively, then loosely (see {@code ModelNames}). */
    public Optional<Path> resolve(String model) {
        return entry(model).flatMap(Entry::resolved);
    }

    /** The entry of a model, by name (case-insensitive), else by loose key. */
    public Optional<Entry> entry(String model) {
        for (Entry e : entries) {
            if (ModelNames.sameName(e.model(), model)) {
                return Optional.of(e);
            }
        }
        String key = ModelNames.key(model);
        return entries.stream().filter(e -> ModelNames.key(e.model()).equals(key)).findFirst();
    }

    /**
     * Reads a {@code model_mapping.json} and resolves its paths.
     *
     * @throws ArtifactException if it is missing, not a JSON object of strings, or has a path leading outside its
     *                           directory
     */
    public static ModelMapping read(Path file) {
        JsonNode root = ArtifactFiles.json(file, "Model mapping");
        String src = "Model mapping " + file.toAbsolutePath();
        if (!root.isObject()) {
            throw new ArtifactException(src + " must hold a JSON object of model name to path, but holds a "
                    + root.getNodeType());
        }
        Path dir = file.toAbsolutePath().getParent();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String model = e.getKey().strip();
            if (model.isEmpty()) {
                throw new ArtifactException(src + " has an empty model name");
            }
            if (!e.getValue().isTextual()) {
                throw new ArtifactException(src + ": the path of \"" + model + "\" is a " + e.getValue().getNodeType()
                        + ", expected a string");
            }
            entries.add(resolveEntry(src, dir, model, e.getValue().asText()));
        }
        return new ModelMapping(file.toAbsolutePath(), entries);
    }

    private static Entry resolveEntry(String src, Path dir, String model, String declared) {
        String p = declared.strip().replace('\\', '/');
        if (p.isEmpty()) {
            return new Entry(model, declared, Optional.empty(), "the path is empty");
        }
        if (p.startsWith("/") || p.matches("[A-Za-z]:.*")) {
            throw escape(src, model, declared);
        }
        List<String> parts = new ArrayList<>();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw escape(src, model, declared);
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(part);
            }
        }
        if (parts.isEmpty()) {
            throw escape(src, model, declared);
        }
        List<List<String>> candidates = new ArrayList<>();
        candidates.add(parts);
        String first = parts.get(0).toLowerCase(Locale.ROOT);
        if (parts.size() > 1 && (first.equals("data") || first.equals(
                dir.getFileName() == null ? "" : dir.getFileName().toString().toLowerCase(Locale.ROOT)))) {
            candidates.add(parts.subList(1, parts.size()));
        }
        for (List<String> c : candidates) {
            Path exact = dir;
            for (String part : c) {
                exact = exact.resolve(part);
            }
            if (Files.isRegularFile(exact)) {
                checkInside(src, dir, exact, model, declared);
                String rel = String.join("/", c);
                return new Entry(model, declared, Optional.of(exact), c == parts ? "" : "resolved as " + rel);
            }
        }
        for (List<String> c : candidates) {
            Path found = fuzzy(dir, c);
            if (found != null) {
                checkInside(src, dir, found, model, declared);
                String rel = dir.relativize(found).toString().replace('\\', '/');
                String note = "\"" + declared + "\" does not exist; matched " + rel + " ignoring case and whitespace";
                log.warn("{}: the entry \"{}\": {}", src, model, note);
                return new Entry(model, declared, Optional.of(found), note);
            }
        }
        return new Entry(model, declared, Optional.empty(), "no such file in " + dir);
    }

    /** Walks the parts, matching each against the names on disk ignoring case and whitespace. */
    private static Path fuzzy(Path dir, List<String> parts) {
        Path current = dir;
        for (int i = 0; i < parts.size(); i++) {
            String part = parts.get(i);
            Path exact = current.resolve(part);
            boolean last = i == parts.size() - 1;
            if (last ? Files.isRegularFile(exact) : Files.isDirectory(exact)) {
                current = exact;
                continue;
            }
            String want = squash(part);
            List<Path> matches;
            try (Stream<Path> s = Files.list(current)) {
                matches = s.filter(c -> squash(c.getFileName().toString()).equals(want))
                        .filter(c -> last ? Files.isRegularFile(c) : Files.isDirectory(c)).toList();
            } catch (IOException e) {
                return null;
            }
            if (matches.size() != 1) {
                return null;
            }
            current = matches.get(0);
        }
        return current;
    }

    private static String squash(String s) {
        return s.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
    }

    private static void checkInside(String src, Path dir, Path file, String model, String declared) {
        try {
            if (!file.toRealPath().startsWith(dir.toRealPath())) {
                throw escape(src, model, declared);
            }
        } catch (IOException e) {
            throw new ArtifactException(src + ": cannot check the path of \"" + model + "\": " + e, e);
        }
    }

    private static ArtifactException escape(String src, String model, String declared) {
        return new ArtifactException(src + ": the entry \"" + model + "\" points outside the mapping's directory: \""
                + declared + "\"");
    }
}
