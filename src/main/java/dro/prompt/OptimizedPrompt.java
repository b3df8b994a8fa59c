package dro.prompt;

import dro.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A DRO-optimised system prompt and the models it is for, as kept in a prompt registry
 * ({@code prompts/optimized/<id>/prompt.txt} and {@code meta.json}; see {@link PromptStore}).
 *
 * @param id       the directory name: lower-case letters, digits, '.', '_' and '-'
 * @param text     the prompt, exactly as stored
 * @param models   model names it was optimised for, e.g. {@code mistralai/Mistral-7B-v0.1}
 * @param aliases  further names that find it, e.g. {@code mistral-7b-v0.1}
 * @param source   where it came from (free text: a training run, an imported file)
 * @param created  when it was stored (ISO-8601), or empty
 * @param location where it was read from (a directory, or a classpath resource), or empty for a new prompt
 */
public record OptimizedPrompt(String id, String text, List<String> models, List<String> aliases, String source,
                              String created, String location) {

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    public OptimizedPrompt {
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidRequestException("An optimised prompt's id must be 1 to 100 lower-case letters, digits, '.',"
                    + " '_' or '-' (starting with a letter or digit), but was "
                    + (id == null ? "null" : "\"" + id + "\""));
        }
        if (text == null || text.isBlank()) {
            throw new InvalidRequestException("The optimised prompt \"" + id + "\" must not be empty");
        }
        models = clean(models);
        aliases = clean(aliases);
        source = source == null ? "" : source;
        created = created == null ? "" : created;
        location = location == null ? "" : location;
    }

    /** A new prompt (not yet stored anywhere). */
    public static OptimizedPrompt of(String id, String text, List<String> models, List<String> aliases, String source,
                                     String created) {
        return new OptimizedPrompt(id, text, models, aliases, source, created, "");
    }

    /** The names that find this prompt: its models, its aliases and its id. */
    public List<String> names() {
        List<String> all = new ArrayList<>(models);
        all.addAll(aliases);
        all.add(id);
        return all;
    }

    /** A copy read from {@code location}. */
    OptimizedPrompt at(String where) {
        return new OptimizedPrompt(id, text, models, aliases, source, created, where);
    }

    /** An id made from any name: lower case, runs of other characters as '-'. */
    public static String idFrom(String name) {
        String s = name.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-")
                .replaceAll("^[^a-z0-9]+", "").replaceAll("-+$", "");
        if (s.length() > 100) {
            s = s.substring(0, 100);
        }
        return s.isEmpty() ? "prompt" : s;
    }

    private static List<String> clean(List<String> names) {
        if (names == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n != null && !n.isBlank() && out.stream().noneMatch(o -> o.equalsIgnoreCase(n.strip()))) {
                out.add(n.strip());
            }
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return "OptimizedPrompt[" + id + ", models=" + models + ", aliases=" + aliases + ", " + text.length()
                + " chars]";
    }
}
