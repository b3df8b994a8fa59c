package dro.roles.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dro.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The quality aspects DRO judges answers on. The names are fixed by the method; their descriptions are dro4j's own
 * ({@code prompts/aspects.json}).
 */
public final class Aspects {

    private static final Map<String, String> DESCRIPTIONS = load();

    private Aspects() { }

    /** Aspect name to description, in the canonical order. */
    public static Map<String, String> all() {
        return DESCRIPTIONS;
    }

    /** The canonical spelling of an aspect name given in any case or with spaces/underscores, if it is one. */
    public static Optional<String> canonical(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String key = normalise(name);
        for (String a : DESCRIPTIONS.keySet()) {
            if (normalise(a).equals(key)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    private static String normalise(String s) {
        return s.strip().toLowerCase(Locale.ROOT).replace('_', '-').replace(' ', '-');
    }

    private static Map<String, String> load() {
        try (InputStream in = Aspects.class.getResourceAsStream("/dro4j/prompts/aspects.json")) {
            if (in == null) {
                throw new IllegalStateException("prompts/aspects.json is missing from the classpath");
            }
            JsonNode root = Json.MAPPER.readTree(in);
            Map<String, String> m = new LinkedHashMap<>();
            root.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
            return Collections.unmodifiableMap(m);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read dro4j's own resource /dro4j/prompts/aspects.json: " + e, e);
        }
    }
}
