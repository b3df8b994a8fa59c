package dro.roles.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.internal.Json;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the JSON object in a model's reply, however it is wrapped: bare, in a fenced code block, or inside chatty
 * text. Scores are read as the models write them: {@code 4}, {@code "4"}, {@code "4/5"}, {@code 4.5},
 * {@code "Score: 4"}.
 */
public final class JsonReplies {

    private static final Pattern FENCE = Pattern.compile("```(?:json|JSON)?\\s*\\n?(.*?)```", Pattern.DOTALL);
    private static final Pattern NUMBER = Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*(?:/\\s*(\\d+(?:\\.\\d+)?))?");

    private JsonReplies() { }

    /** The first JSON object in the reply, if there is one. */
    public static Optional<ObjectNode> object(String reply) {
        if (reply == null) {
            return Optional.empty();
        }
        Optional<ObjectNode> direct = parse(reply.strip());
        if (direct.isPresent()) {
            return direct;
        }
        Matcher fence = FENCE.matcher(reply);
        while (fence.find()) {
            Optional<ObjectNode> fenced = parse(fence.group(1).strip());
            if (fenced.isPresent()) {
                return fenced;
            }
        }
        // the first balanced {...} that parses
        for (int start = reply.indexOf('{'); start >= 0; start = reply.indexOf('{', start + 1)) {
            int end = matchingBrace(reply, start);
            if (end > start) {
                Optional<ObjectNode> o = parse(reply.substring(start, end + 1));
                if (o.isPresent()) {
                    return o;
                }
            }
        }
        return Optional.empty();
    }

    /** A score from 1 to 5 in any of the usual spellings; empty when there is none or it is out of range. */
    public static Optional<Double> score(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        double v;
        if (node.isNumber()) {
            v = node.asDouble();
        } else if (node.isTextual()) {
            Matcher m = NUMBER.matcher(node.asText());
            if (!m.find()) {
                return Optional.empty();
            }
            v = Double.parseDouble(m.group(1));
            if (m.group(2) != null) {
                double scale = Double.parseDouble(m.group(2));
                if (scale <= 0) {
                    return Optional.empty();
                }
                if (scale != 5) {
                    v = v / scale * 5;
                }
            }
        } else {
            return Optional.empty();
        }
        return v >= 1 && v <= 5 ? Optional.of(v) : Optional.empty();
    }

    private static Optional<ObjectNode> parse(String text) {
        if (!text.startsWith("{")) {
            return Optional.empty();
        }
        try {
            JsonNode n = Json.MAPPER.readTree(text);
            return n != null && n.isObject() ? Optional.of((ObjectNode) n) : Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    private static int matchingBrace(String s, int start) {
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }
}
