package dro.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How model names are compared: case-insensitively, and by a loose key that ignores the owner
 * ({@code mistralai/}), punctuation and spacing, so that {@code mistralai/Mistral-7B-v0.1}, {@code Mistral 7B v0.1}
 * and {@code mistral-7b-v0.1} are one model.
 */
public final class ModelNames {

    private static final Set<String> FORMAT_WORDS = Set.of("hf", "gguf", "awq", "gptq");

    private ModelNames() { }

    /** The name without an owner prefix ({@code owner/name} becomes {@code name}). */
    public static String withoutOwner(String name) {
        String s = name.strip();
        int slash = s.lastIndexOf('/');
        return slash >= 0 ? s.substring(slash + 1) : s;
    }

    /**
     * The loose key of a name: without its owner, lower case, letters and digits only, and without a trailing
     * {@code hf}, {@code gguf}, {@code awq} or {@code gptq} word (formats of the same weights):
     * {@code meta-llama/Llama-2-7b-chat-hf} and {@code llama-2-7b-chat} have one key.
     */
    public static String key(String name) {
        List<String> words = new ArrayList<>(List.of(withoutOwner(name).toLowerCase(Locale.ROOT).split("[^a-z0-9]+")));
        words.removeIf(String::isEmpty);
        while (words.size() > 1 && FORMAT_WORDS.contains(words.get(words.size() - 1))) {
            words.remove(words.size() - 1);
        }
        return String.join("", words);
    }

    /** Whether two names are equal ignoring case (owner included). */
    public static boolean sameName(String a, String b) {
        return a.strip().equalsIgnoreCase(b.strip());
    }
}
