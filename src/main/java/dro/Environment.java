package dro;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where dro4j reads environment variables: the hub's ({@code HF_TOKEN}, {@code HF_ENDPOINT}, {@code DRO4J_OFFLINE},
 * {@code HF_HUB_OFFLINE}), the API's ({@code OPENAI_API_KEY}, {@code OPENAI_BASE_URL}), the directories'
 * ({@code DRO4J_CACHE}, {@code DRO4J_CONFIG}, {@code XDG_CACHE_HOME}, {@code XDG_CONFIG_HOME}), the prompt pulls'
 * ({@code DRO4J_PROMPTS_URL}) and the native logs' ({@code DRO4J_NATIVE_LOG}). Library code reads the environment
 * only through this interface. {@link #SYSTEM}
 * reads the process environment; tests and embedding applications can pass their own.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Environment {

    /** The process environment ({@link System#getenv(String)}). */
    Environment SYSTEM = System::getenv;

    /** No variables at all. */
    Environment EMPTY = name -> null;

    /** The value of {@code name}, or null when it is not set. */
    String get(String name);

    /** An environment holding exactly these variables. */
    static Environment of(Map<String, String> variables) {
        Map<String, String> copy = Map.copyOf(variables);
        return copy::get;
    }

    /** The value of {@code name} if it is set to something other than blanks. */
    default Optional<String> nonBlank(String name) {
        String v = get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }

    /** Whether {@code name} is set to a true value: 1, true, yes or on (any case). */
    default boolean isTrue(String name) {
        String v = get(name);
        if (v == null) {
            return false;
        }
        String s = v.strip().toLowerCase(Locale.ROOT);
        return s.equals("1") || s.equals("true") || s.equals("yes") || s.equals("on");
    }
}
