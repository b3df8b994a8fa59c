package dro.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.internal.AtomicFiles;
import dro.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A set of optimised prompts on disk (or shipped on the classpath), one directory per prompt:
 *
 * <pre>
 * &lt;root&gt;/optimized/&lt;id&gt;/prompt.txt   the prompt, UTF-8, followed by one newline
 * &lt;root&gt;/optimized/&lt;id&gt;/meta.json    {"id": ..., "models": [...], "aliases": [...], "source": ..., "created": ...}
 * </pre>
 *
 * {@code prompt.txt} ends with one line break, which is not part of the prompt (so files written by editors work);
 * everything else, including any further trailing whitespace, is the prompt exactly.
 * {@code models} and {@code aliases} are the names the prompt is found by (besides its id); other fields of
 * {@code meta.json} are ignored. A directory that does not hold a valid prompt is skipped with a warning.
 *
 * <p>Writes are atomic per prompt (a new directory is moved into place). Instances are immutable and thread-safe;
 * the directory is read afresh by each call.
 */
public final class PromptStore {

    private static final Logger log = LoggerFactory.getLogger(PromptStore.class);
    /** The classpath directory of the prompts that ship with dro4j; its {@code index.txt} lists their ids. */
    public static final String SHIPPED_RESOURCE = "/dro4j/prompts/optimized/";

    private final Path root;

    private PromptStore(Path root) {
        this.root = root;
    }

    /** The store under {@code root} (its prompts are in {@code root/optimized/}). It need not exist yet. */
    public static PromptStore at(Path root) {
        if (root == null) {
            throw new InvalidRequestException("The prompt store directory must not be null");
        }
        return new PromptStore(root.toAbsolutePath());
    }

    public Path root() {
        return root;
    }

    /** The directory of one prompt. */
    public Path directory(String id) {
        return root.resolve("optimized").resolve(id);
    }

    /** Every valid prompt in the store, by id. */
    public List<OptimizedPrompt> list() {
        Path dir = root.resolve("optimized");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<OptimizedPrompt> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path p : ds) {
                String id = p.getFileName().toString();
                if (id.startsWith(".")) {
                    continue; // a write in progress
                }
                try {
                    out.add(read(p));
                } catch (InvalidRequestException | FileAccessException e) {
                    log.warn("Skipping {}: {}", p, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new FileAccessException("Cannot list the prompt store " + dir + ": " + e, dir, e);
        }
        out.sort(Comparator.comparing(OptimizedPrompt::id));
        return List.copyOf(out);
    }

    /** The prompt with this id. */
    public Optional<OptimizedPrompt> get(String id) {
        Path p = directory(id);
        return Files.isDirectory(p) ? Optional.of(read(p)) : Optional.empty();
    }

    /**
     * Stores a prompt under its id, replacing one of the same id.
     *
     * @return the prompt as stored (with its location)
     * @throws InvalidRequestException if it cannot be written
     */
    public OptimizedPrompt put(OptimizedPrompt prompt) {
        Path dir = root.resolve("optimized");
        Path target = dir.resolve(prompt.id());
        Path tmp = null;
        Path old = dir.resolve("." + prompt.id() + ".old-" + UUID.randomUUID());
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempDirectory(dir, "." + prompt.id() + ".tmp-");
            Files.writeString(tmp.resolve("prompt.txt"), prompt.text() + "\n", StandardCharsets.UTF_8);
            Files.writeString(tmp.resolve("meta.json"), Json.MAPPER.writeValueAsString(meta(prompt)) + "\n",
                    StandardCharsets.UTF_8);
            if (Files.exists(target)) {
                AtomicFiles.move(target, old);
            }
            AtomicFiles.move(tmp, target);
            tmp = null;
            deleteTree(old);
        } catch (IOException e) {
            throw new FileAccessException("Cannot write the optimised prompt " + prompt.id() + " to " + target
                    + ": " + e, target, e);
        } finally {
            if (tmp != null) {
                try {
                    deleteTree(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that failure is the one reported
                }
            }
        }
        return read(target);
    }

    private static ObjectNode meta(OptimizedPrompt p) {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("id", p.id());
        ArrayNode models = m.putArray("models");
        p.models().forEach(models::add);
        ArrayNode aliases = m.putArray("aliases");
        p.aliases().forEach(aliases::add);
        m.put("source", p.source());
        m.put("created", p.created());
        return m;
    }

    private static OptimizedPrompt read(Path dir) {
        String id = dir.getFileName().toString();
        Path text = dir.resolve("prompt.txt");
        Path meta = dir.resolve("meta.json");
        if (!Files.isRegularFile(text)) {
            throw new InvalidRequestException("Optimised prompt " + dir + " has no prompt.txt");
        }
        try {
            String prompt = utf8(text);
            String json = Files.isRegularFile(meta) ? utf8(meta) : "{}";
            return parse(id, prompt, json, dir.toString());
        } catch (IOException | UncheckedIOException e) {
            throw new FileAccessException("Cannot read the optimised prompt " + dir + ": " + e, dir, e);
        }
    }

    /** A file of an entry as text; one that is not UTF-8 is refused as bad content, not as a failed read. */
    private static String utf8(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException("Optimised prompt file " + file + " is not UTF-8 text", e);
        }
    }

    /** The prompts shipped on the classpath (listed in {@code index.txt}; none if it is absent). */
    static List<OptimizedPrompt> shipped() {
        String index = resource(SHIPPED_RESOURCE + "index.txt");
        if (index == null) {
            return List.of();
        }
        List<OptimizedPrompt> out = new ArrayList<>();
        for (String line : index.split("\n")) {
            String id = line.strip();
            if (id.isEmpty() || id.startsWith("#")) {
                continue;
            }
            String where = "classpath:" + SHIPPED_RESOURCE + id;
            String prompt = resource(SHIPPED_RESOURCE + id + "/prompt.txt");
            if (prompt == null) {
                throw new IllegalStateException("Shipped prompt missing from the classpath: " + where + "/prompt.txt");
            }
            String meta = resource(SHIPPED_RESOURCE + id + "/meta.json");
            out.add(parse(id, prompt, meta == null ? "{}" : meta, where));
        }
        out.sort(Comparator.comparing(OptimizedPrompt::id));
        return List.copyOf(out);
    }

    private static OptimizedPrompt parse(String id, String prompt, String metaJson, String where) {
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(metaJson);
        } catch (IOException e) {
            throw new InvalidRequestException("The meta.json of optimised prompt " + where + " is not valid JSON: " + e);
        }
        if (m == null || !m.isObject()) {
            throw new InvalidRequestException("The meta.json of optimised prompt " + where + " must hold a JSON object");
        }
        if (m.hasNonNull("id") && !m.get("id").asText().equals(id)) {
            throw new InvalidRequestException("The meta.json of optimised prompt " + where + " says its id is \""
                    + m.get("id").asText() + "\", but its directory is \"" + id + "\"");
        }
        return new OptimizedPrompt(id, withoutFinalLineBreak(prompt), strings(m, "models", where),
                strings(m, "aliases", where), m.path("source").asText(""), m.path("created").asText(""), where);
    }

    private static String withoutFinalLineBreak(String s) {
        if (s.endsWith("\r\n")) {
            return s.substring(0, s.length() - 2);
        }
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private static List<String> strings(JsonNode m, String field, String where) {
        JsonNode a = m.get(field);
        if (a == null || a.isNull()) {
            return List.of();
        }
        if (!a.isArray()) {
            throw new InvalidRequestException("The meta.json of optimised prompt " + where + ": \"" + field
                    + "\" must be a list of names");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : a) {
            if (!n.isTextual()) {
                throw new InvalidRequestException("The meta.json of optimised prompt " + where + ": \"" + field
                        + "\" must be a list of names");
            }
            out.add(n.asText());
        }
        return out;
    }

    private static String resource(String path) {
        try (InputStream in = PromptStore.class.getResourceAsStream(path)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read dro4j's own resource " + path + ": " + e, e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    @Override
    public String toString() {
        return "PromptStore[" + root + "]";
    }
}
