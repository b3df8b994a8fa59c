package dro.compat.internal;

import dro.compat.internal.AspectScore;
import dro.compat.ArtifactException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The original's {@code output.json}: the best path level by level,
 * {@code {"level N": {"Prompt": ..., "Evaluation of the prompt": {aspect: {"rationale", "score"}}}}}.
 * Immutable and thread-safe.
 *
 * @param levels the levels in file order (the original numbers them from 1)
 */
public record OutputTrace(List<Level> levels) {

    private static final Pattern LEVEL = Pattern.compile("level (\\d+)");

    public OutputTrace {
        levels = List.copyOf(levels);
    }

    /** One level: the prompt used there and how the judge scored its answer. */
    public record Level(int level, String prompt, Map<String, AspectScore> evaluation) {
        public Level {
            evaluation = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(evaluation));
        }
    }

    /** The prompt of the last level: the optimised prompt. */
    public String finalPrompt() {
        if (levels.isEmpty()) {
            throw new ArtifactException("The trace has no levels");
        }
        return levels.get(levels.size() - 1).prompt();
    }

    /**
     * Reads an {@code output.json}.
     *
     * @throws ArtifactException if it is missing, not JSON, or not of that shape (the message names the entry)
     */
    public static OutputTrace read(Path file) {
        JsonNode root = ArtifactFiles.json(file, "Trace file");
        String src = "Trace file " + file.toAbsolutePath();
        if (!root.isObject()) {
            throw new ArtifactException(src + " must hold a JSON object of levels, but holds a " + root.getNodeType());
        }
        List<Level> levels = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Matcher m = LEVEL.matcher(e.getKey());
            if (!m.matches()) {
                throw new ArtifactException(src + " has the key \"" + e.getKey() + "\", expected \"level N\"");
            }
            JsonNode v = e.getValue();
            JsonNode prompt = v.get("Prompt");
            if (prompt == null || !prompt.isTextual()) {
                throw new ArtifactException(src + ": \"" + e.getKey() + "\" has no \"Prompt\" string");
            }
            Map<String, AspectScore> evaluation = new LinkedHashMap<>();
            JsonNode ev = v.get("Evaluation of the prompt");
            if (ev != null && !ev.isNull()) {
                if (!ev.isObject()) {
                    throw new ArtifactException(src + ": \"" + e.getKey() + "\".\"Evaluation of the prompt\" is a "
                            + ev.getNodeType() + ", expected an object");
                }
                for (Iterator<Map.Entry<String, JsonNode>> as = ev.fields(); as.hasNext(); ) {
                    Map.Entry<String, JsonNode> a = as.next();
                    JsonNode r = a.getValue();
                    if (!r.isObject()) {
                        throw new ArtifactException(src + ": the evaluation of \"" + a.getKey() + "\" in \""
                                + e.getKey() + "\" is a " + r.getNodeType() + ", expected {rationale, score}");
                    }
                    evaluation.put(a.getKey(), new AspectScore(r.path("rationale").asText(""),
                            r.has("score") && !r.get("score").isNull() ? r.get("score").asText() : null));
                }
            }
            levels.add(new Level(Integer.parseInt(m.group(1)), prompt.asText(), evaluation));
        }
        return new OutputTrace(levels);
    }
}
