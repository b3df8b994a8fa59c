package dro.backend.openai;

import java.util.regex.Pattern;

/**
 * Removes an API key and any {@code Authorization} header or bearer token from text before it goes into a log line
 * or an exception message. Endpoints sometimes echo the key they were given in their error messages.
 */
final class Redactor {

    static final String MASK = "[redacted]";
    /** Keys shorter than this are placeholders (local servers ignore them); masking them would garble messages. */
    static final int MIN_SECRET_LENGTH = 4;

    private static final Pattern AUTHORIZATION =
            Pattern.compile("(?i)((?:proxy-)?authorization\"?\\s*[:=]\\s*\"?)[^\\r\\n\"]+");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[^\\s\"',;]+");

    private final String secret;

    Redactor(String secret) {
        this.secret = secret != null && secret.length() >= MIN_SECRET_LENGTH ? secret : null;
    }

    String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String s = secret == null ? text : text.replace(secret, MASK);
        s = AUTHORIZATION.matcher(s).replaceAll("$1" + MASK);
        return BEARER.matcher(s).replaceAll("$1" + MASK);
    }
}
