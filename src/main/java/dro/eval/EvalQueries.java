package dro.eval;

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
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads evaluation query sets. Three formats are recognised by their first character:
 *
 * <ul>
 *   <li>{@code [}: a JSON array of objects (or of plain strings), as dro4j's own set and just-eval-instruct's JSON;</li>
 *   <li><code>&#123;</code>: JSON lines, one object a line (blank lines skipped);</li>
 *   <li>anything else: plain text, one query a line (blank lines skipped).</li>
 * </ul>
 *
 * <p>In objects the query is the {@linkplain Reader#queryField field} given, by default the first of {@code query},
 * {@code instruction} and {@code prompt} that is present; the id is the {@code id} field, else the position from 1.
 * A query is unsafe (its answers are scored on Safety) when one of the {@linkplain Reader#unsafeWhen rules} matches:
 * by default {@code type=safety}, {@code category=safety}, {@code dataset=hh-rlhf}, {@code dataset=maliciousinstruct}
 * or {@code unsafe=true} (values compared ignoring case). {@link Reader#allUnsafe} marks every query unsafe, e.g. a
 * plain file of harmful requests.
 */
public final class EvalQueries {

    /** Where dro4j's own evaluation set sits on the classpath. */
    public static final String BUNDLED_RESOURCE = "/dro4j/data/eval/eval_queries.json";

    /** The query fields tried, in order, when none is given. */
    public static final List<String> DEFAULT_QUERY_FIELDS = List.of("query", "instruction", "prompt");

    /** The unsafe rules used when none is given. */
    public static final List<UnsafeRule> DEFAULT_UNSAFE_RULES = List.of(new UnsafeRule("type", "safety"),
            new UnsafeRule("category", "safety"), new UnsafeRule("dataset", "hh-rlhf"),
            new UnsafeRule("dataset", "maliciousinstruct"), new UnsafeRule("unsafe", "true"));

    private EvalQueries() { }

    /** A query is unsafe when its {@code field} holds {@code value} (a string or boolean, ignoring case). */
    public record UnsafeRule(String field, String value) {

        /** Parses {@code FIELD=VALUE}; {@code FIELD} alone means {@code FIELD=true}. */
        public static UnsafeRule parse(String spec) {
            int eq = spec.indexOf('=');
            String field = (eq < 0 ? spec : spec.substring(0, eq)).strip();
            String value = eq < 0 ? "true" : spec.substring(eq + 1).strip();
            if (field.isEmpty() || value.isEmpty()) {
                throw new InvalidRequestException("An unsafe rule must read FIELD=VALUE, but was \"" + spec + "\"");
            }
            return new UnsafeRule(field, value);
        }

        boolean matches(JsonNode o) {
            JsonNode v = o.get(field);
            return v != null && (v.isTextual() || v.isBoolean() || v.isNumber())
                    && v.asText().strip().toLowerCase(Locale.ROOT).equals(value.toLowerCase(Locale.ROOT));
        }
    }

    /** dro4j's own evaluation set (general and safety queries, written by this project). */
    public static List<EvalQuery> bundled() {
        try (InputStream in = EvalQueries.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("dro4j's evaluation set is missing from the classpath: "
                        + BUNDLED_RESOURCE);
            }
            return reader().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:"
                    + BUNDLED_RESOURCE);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read dro4j's own resource " + BUNDLED_RESOURCE + ": " + e, e);
        }
    }

    /** A reader with the default settings. */
    public static Reader reader() {
        return new Reader();
    }

    /** Reading settings; each setter returns this reader. Not thread-safe while being set up. */
    public static final class Reader {
        private String queryField;
        private List<UnsafeRule> unsafeWhen = DEFAULT_UNSAFE_RULES;
        private boolean allUnsafe;

        private Reader() { }

        /** The field holding the query; null tries {@link #DEFAULT_QUERY_FIELDS}. */
        public Reader queryField(String field) {
            this.queryField = field == null || field.isBlank() ? null : field;
            return this;
        }

        /** The rules marking a query unsafe (replacing the defaults); an empty list marks none by field. */
        public Reader unsafeWhen(List<UnsafeRule> rules) {
            this.unsafeWhen = List.copyOf(rules);
            return this;
        }

        /** Marks every query unsafe. */
        public Reader allUnsafe(boolean all) {
            this.allUnsafe = all;
            return this;
        }

        public List<EvalQuery> read(Path file) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new InvalidRequestException("Query file not found: " + file.toAbsolutePath());
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new InvalidRequestException("Query file " + file.toAbsolutePath() + " is not UTF-8 text", e);
            } catch (IOException e) {
                throw new FileAccessException("Cannot read query file " + file.toAbsolutePath() + ": " + e, file, e);
            }
            return parse(text, file.toString());
        }

        /** Parses a query set; {@code source} names it in error messages. */
        public List<EvalQuery> parse(String text, String source) {
            String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
            String trimmed = body.stripLeading();
            List<EvalQuery> out = new ArrayList<>();
            if (trimmed.startsWith("[")) {
                JsonNode root;
                try {
                    root = Json.MAPPER.readTree(trimmed);
                } catch (JsonProcessingException e) {
                    throw new InvalidRequestException("Query file " + source + " is not valid JSON: "
                            + e.getOriginalMessage(), e);
                }
                for (int i = 0; i < root.size(); i++) {
                    out.add(query(root.get(i), i + 1, "Query file " + source + ", element " + (i + 1)));
                }
            } else if (trimmed.startsWith("{")) {
                String[] lines = body.split("\\R", -1);
                for (int i = 0; i < lines.length; i++) {
                    if (lines[i].isBlank()) {
                        continue;
                    }
                    String where = "Query file " + source + ", line " + (i + 1);
                    JsonNode n;
                    try {
                        n = Json.MAPPER.readTree(lines[i]);
                    } catch (JsonProcessingException e) {
                        throw new InvalidRequestException(where + " is not valid JSON: " + e.getOriginalMessage()
                                + " (JSON lines need one object a line)", e);
                    }
                    out.add(query(n, out.size() + 1, where));
                }
            } else {
                String[] lines = body.split("\\R", -1);
                for (String line : lines) {
                    if (!line.isBlank()) {
                        out.add(new EvalQuery(String.valueOf(out.size() + 1), line.strip(), allUnsafe));
                    }
                }
            }
            if (out.isEmpty()) {
                throw new InvalidRequestException("Query file " + source + " holds no queries");
            }
            Set<String> ids = new HashSet<>();
            for (EvalQuery q : out) {
                if (!ids.add(q.id())) {
                    throw new InvalidRequestException("Query file " + source + " has the id \"" + q.id() + "\" twice");
                }
            }
            return List.copyOf(out);
        }

        private EvalQuery query(JsonNode n, int position, String where) {
            if (n.isTextual()) {
                return new EvalQuery(String.valueOf(position), nonEmpty(n.asText(), where), allUnsafe);
            }
            if (!n.isObject()) {
                throw new InvalidRequestException(where + " must be a JSON object or a string, but is a JSON "
                        + n.getNodeType());
            }
            JsonNode q = null;
            if (queryField != null) {
                q = n.get(queryField);
                if (q == null) {
                    throw new InvalidRequestException(where + " has no field \"" + queryField + "\" (it has: "
                            + fields(n) + ")");
                }
            } else {
                for (String f : DEFAULT_QUERY_FIELDS) {
                    if (n.has(f)) {
                        q = n.get(f);
                        break;
                    }
                }
                if (q == null) {
                    throw new InvalidRequestException(where + " has none of the fields " + DEFAULT_QUERY_FIELDS
                            + " (it has: " + fields(n) + "); name the query's field with --query-field");
                }
            }
            if (!q.isTextual()) {
                throw new InvalidRequestException(where + ": the query must be a string, but is a JSON "
                        + q.getNodeType());
            }
            JsonNode id = n.get("id");
            String idText = id != null && (id.isTextual() || id.isNumber()) ? id.asText() : String.valueOf(position);
            boolean unsafe = allUnsafe || unsafeWhen.stream().anyMatch(r -> r.matches(n));
            return new EvalQuery(idText, nonEmpty(q.asText(), where), unsafe);
        }

        private static String nonEmpty(String query, String where) {
            if (query.isBlank()) {
                throw new InvalidRequestException(where + ": the query is empty");
            }
            return query;
        }

        private static String fields(JsonNode n) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            return names.isEmpty() ? "none" : String.join(", ", names);
        }
    }
}
