package dro.roles.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.internal.Json;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
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
    /**
     * Replies nest a few levels; a reader that stops at 64 keeps the tries of every balanced {@code {...}} of a reply
     * linear in its length.
     */
    private static final ObjectReader REPLIES = Json.MAPPER.reader().with(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build()).build());

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
        // the first balanced {...} that parses, read in place (a copy of each would take time quadratic in the reply)
        char[] chars = reply.toCharArray();
        for (int[] braces : balancedBraces(reply)) {
            Optional<ObjectNode> o = parse(chars, braces[0], braces[1] + 1 - braces[0]);
            if (o.isPresent()) {
                return o;
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

    private static Optional<ObjectNode> parse(char[] chars, int offset, int length) {
        try (JsonParser p = REPLIES.createParser(chars, offset, length)) {
            JsonNode n = REPLIES.readTree(p);
            return n != null && n.isObject() ? Optional.of((ObjectNode) n) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<ObjectNode> parse(String text) {
        if (!text.startsWith("{")) {
            return Optional.empty();
        }
        try {
            JsonNode n = REPLIES.readTree(text);
            return n != null && n.isObject() ? Optional.of((ObjectNode) n) : Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /**
     * Every balanced {@code {...}} of the reply (outside JSON strings, from its first brace on), as start and end
     * index, by start: one pass, however many braces (a scan per brace took time quadratic in the reply's length).
     * Text between top-level objects is prose: its quotes open no string.
     */
    private static List<int[]> balancedBraces(String s) {
        List<int[]> found = new ArrayList<>();
        Deque<Integer> open = new ArrayDeque<>();
        boolean inString = false;
        for (int i = s.indexOf('{'); i >= 0 && i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '{') {
                open.push(i);
            } else if (c == '}' && !open.isEmpty()) {
                found.add(new int[] {open.pop(), i});
            } else if (c == '"' && !open.isEmpty()) {
                inString = true;
            }
        }
        found.sort(Comparator.comparingInt(b -> b[0]));
        return found;
    }
}
