package dro.hub;

import java.util.Locale;
import java.util.Map;

/**
 * Where the hub settings that live in environment variables are read from ({@code HF_TOKEN}, {@code HF_ENDPOINT},
 * {@code DRO4J_OFFLINE}, {@code HF_HUB_OFFLINE}). {@link #SYSTEM} reads the process environment; tests and
 * embedding applications can pass their own.
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
