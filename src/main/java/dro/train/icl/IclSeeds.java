package dro.train.icl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.icl.IclExamples;
import dro.internal.Json;
import dro.internal.Validation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the seeds of ICL optimisation. Two shapes are accepted:
 *
 * <ul>
 *   <li>a JSON object mapping each query to its initial answer, as in {@code ICL_examples.json}; an answer that is
 *   {@code null} or empty is written by the answer model;</li>
 *   <li>a JSON array of queries, all of whose answers are written by the answer model.</li>
 * </ul>
 */
public final class IclSeeds {

    private IclSeeds() { }

    /** dro4j's own ICL examples as seeds. */
    public static List<IclSeed> bundled() {
        return IclExamples.bundled().stream().map(e -> new IclSeed(e.query(), e.answer())).toList();
    }

    public static List<IclSeed> load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("Seed file not found: " + file.toAbsolutePath());
        } catch (IOException e) {
            throw new FileAccessException("Cannot read seed file " + file.toAbsolutePath() + ": " + e, file, e);
        }
        return parse(text, file.toAbsolutePath().toString());
    }

    /** Parses seeds from JSON text; {@code source} names it in error messages. */
    public static List<IclSeed> parse(String json, String source) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("Seed file " + source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        List<IclSeed> out = new ArrayList<>();
        if (root != null && root.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (!v.isNull() && !v.isTextual()) {
                    throw new InvalidRequestException("Seed file " + source + ": the answer to query "
                            + Validation.quote(e.getKey()) + " must be a string or null, but is a JSON "
                            + v.getNodeType());
                }
                out.add(new IclSeed(e.getKey(), v.isNull() ? null : v.asText()));
            }
        } else if (root != null && root.isArray()) {
            for (int i = 0; i < root.size(); i++) {
                JsonNode q = root.get(i);
                if (!q.isTextual()) {
                    throw new InvalidRequestException("Seed file " + source + ": element " + (i + 1) + " must be a"
                            + " query string, but is a JSON " + q.getNodeType());
                }
                out.add(new IclSeed(q.asText(), null));
            }
        } else {
            throw new InvalidRequestException("Seed file " + source + " must hold a JSON object mapping each query to"
                    + " its answer, or a JSON array of queries, but holds "
                    + (root == null ? "nothing" : "a JSON " + root.getNodeType()));
        }
        check(out, "Seed file " + source);
        return List.copyOf(out);
    }

    /** Rejects an empty list, empty queries and repeated queries, naming them. */
    static void check(List<IclSeed> seeds, String what) {
        if (seeds.isEmpty()) {
            throw new InvalidRequestException(what + " holds no queries");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < seeds.size(); i++) {
            String q = seeds.get(i).query();
            if (q == null || q.isBlank()) {
                throw new InvalidRequestException(what + ": query " + (i + 1) + " is empty");
            }
            if (!seen.add(q)) {
                throw new InvalidRequestException(what + ": query " + Validation.quote(q) + " appears twice");
            }
        }
    }
}
