package dro.icl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads in-context examples in the original's shape: one JSON object mapping each query to its answer
 * ({@code {"query": "<START>\n...\n<END>"}}), in file order. A file that is missing or of another shape is an error
 * that names the file, never an empty set.
 */
public final class IclExamples {

    /** Where the examples written by this project sit on the classpath. */
    public static final String BUNDLED_RESOURCE = "/dro4j/data/ICL_examples.json";

    private IclExamples() { }

    /** The examples that ship with dro4j. */
    public static List<IclExample> bundled() {
        try (InputStream in = IclExamples.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("dro4j's own ICL examples are missing from the classpath: "
                        + BUNDLED_RESOURCE);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + BUNDLED_RESOURCE);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read dro4j's own resource " + BUNDLED_RESOURCE + ": " + e, e);
        }
    }

    /** Reads an ICL file in the original's shape. */
    public static List<IclExample> load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidRequestException("ICL file not found: " + file.toAbsolutePath());
        } catch (IOException e) {
            throw new FileAccessException("Cannot read ICL file " + file.toAbsolutePath() + ": " + e, file, e);
        }
        return parse(text, file.toAbsolutePath().toString());
    }

    /** Parses ICL examples from JSON text; {@code source} names it in error messages. */
    public static List<IclExample> parse(String json, String source) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("ICL file " + source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRequestException("ICL file " + source + " must hold a JSON object mapping each query to"
                    + " its answer, but holds " + (root == null ? "nothing" : "a JSON " + root.getNodeType()));
        }
        List<IclExample> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().isBlank()) {
                throw new InvalidRequestException("ICL file " + source + " has an empty query");
            }
            if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                throw new InvalidRequestException("ICL file " + source + ": the answer to query \""
                        + abbreviate(e.getKey()) + "\" must be a non-empty string, but is " + e.getValue().getNodeType());
            }
            out.add(new IclExample(e.getKey(), e.getValue().asText()));
        }
        if (out.isEmpty()) {
            throw new InvalidRequestException("ICL file " + source + " holds no examples");
        }
        return List.copyOf(out);
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
