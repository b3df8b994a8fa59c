package dro.prompt.internal;

import dro.prompt.internal.PromptResources;
import dro.InvalidRequestException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A prompt resource with {@code {{name}}} placeholders. Rendering fills every placeholder in one pass (values are not
 * scanned again, so text containing braces is safe) and fails on a placeholder without a value.
 */
public final class PromptTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}");

    private final String name;
    private final String text;

    private PromptTemplate(String name, String text) {
        this.name = name;
        this.text = text;
    }

    /** The template in {@code prompts/<name>}. */
    public static PromptTemplate resource(String name) {
        return new PromptTemplate(name, PromptResources.get(name));
    }

    public static PromptTemplate of(String name, String text) {
        return new PromptTemplate(name, text);
    }

    /** The placeholders the template uses. */
    public Set<String> placeholders() {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    public String render(Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new InvalidRequestException("prompt " + name + " needs a value for {{" + m.group(1) + "}}");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
