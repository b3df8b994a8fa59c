package dro.internal;

import dro.InvalidRequestException;
import java.util.Collection;
import java.util.List;

/** Argument checks that return the value and name the argument in their message. */
public final class Validation {

    private Validation() { }

    public static int ensureBetween(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new InvalidRequestException(name + " must be between " + min + " and " + max + ", but was " + value);
        }
        return value;
    }

    public static double ensureBetween(double value, double min, double max, String name) {
        if (Double.isNaN(value) || value < min || value > max) {
            throw new InvalidRequestException(name + " must be between " + min + " and " + max + ", but was " + value);
        }
        return value;
    }

    public static double ensureGreaterThan(double value, double min, String name) {
        if (Double.isNaN(value) || value <= min) {
            throw new InvalidRequestException(name + " must be greater than " + min + ", but was " + value);
        }
        return value;
    }

    public static int ensurePositive(int value, String name) {
        if (value <= 0) {
            throw new InvalidRequestException(name + " must be positive, but was " + value);
        }
        return value;
    }

    /** A sampling temperature: 0 (greedy) to 2. The one check of every temperature a request or option holds. */
    public static double ensureTemperature(double value, String name) {
        return ensureBetween(value, 0.0, 2.0, name);
    }

    /** A nucleus-sampling top-p: in (0, 1]. */
    public static double ensureTopP(double value, String name) {
        if (Double.isNaN(value) || value <= 0 || value > 1) {
            throw new InvalidRequestException(name + " must be in (0, 1], but was " + value);
        }
        return value;
    }

    /** Stop strings: a list (empty for none) of non-empty strings; returns an unmodifiable copy. */
    public static List<String> ensureStop(List<String> value, String name) {
        if (value == null) {
            throw new InvalidRequestException(name + " must not be null (use an empty list for no stop strings)");
        }
        for (String s : value) {
            if (s == null || s.isEmpty()) {
                throw new InvalidRequestException(name + " strings must not be empty, but were " + value);
            }
        }
        return List.copyOf(value);
    }

    public static <T> T ensureNotNull(T value, String name) {
        if (value == null) {
            throw new InvalidRequestException(name + " must not be null");
        }
        return value;
    }

    public static String ensureNotBlank(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new InvalidRequestException(name + " must not be empty, but was "
                    + (value == null ? "null" : "\"" + value + "\""));
        }
        return value;
    }

    public static <C extends Collection<?>> C ensureNotEmpty(C value, String name) {
        if (value == null || value.isEmpty()) {
            throw new InvalidRequestException(name + " must not be empty");
        }
        return value;
    }

    /**
     * {@code url} stripped of surrounding blanks and trailing slashes, if it is an http or https URL with a host;
     * otherwise null (the caller names the setting in its exception).
     */
    public static String httpUrl(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        try {
            java.net.URI uri = new java.net.URI(u);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null ? u : null;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    /**
     * A short, single-line rendering of user text for error messages: in double quotes, at most 80 characters of it,
     * with line breaks, tabs and other control characters escaped ({@code \n}, {@code \r}, {@code \t},
     * {@code \u001b}), so that the text can neither break the message's line nor move a terminal's cursor.
     */
    public static String quote(String text) {
        String shown = text.length() > 80 ? text.substring(0, 77) : text;
        StringBuilder b = new StringBuilder(shown.length() + 8).append('"');
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append(shown.length() < text.length() ? "...\"" : "\"").toString();
    }
}
