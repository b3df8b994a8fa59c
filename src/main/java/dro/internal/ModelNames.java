package dro.internal;

import java.util.Locale;

/**
 * How model names are compared: case-insensitively, and by a loose key that ignores the owner
 * ({@code mistralai/}), punctuation and spacing, so that {@code mistralai/Mistral-7B-v0.1}, {@code Mistral 7B v0.1}
 * and {@code mistral-7b-v0.1} are one model.
 */
public final class ModelNames {

    private ModelNames() { }

    /** The name without an owner prefix ({@code owner/name} becomes {@code name}). */
    public static String withoutOwner(String name) {
        String s = name.strip();
        int slash = s.lastIndexOf('/');
        return slash >= 0 ? s.substring(slash + 1) : s;
    }

    /** The loose key of a name: without its owner, lower case, letters and digits only. */
    public static String key(String name) {
        String s = withoutOwner(name).toLowerCase(Locale.ROOT);
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Whether two names are equal ignoring case (owner included). */
    public static boolean sameName(String a, String b) {
        return a.strip().equalsIgnoreCase(b.strip());
    }
}
