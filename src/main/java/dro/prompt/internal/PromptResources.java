package dro.prompt.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The prompt texts that ship with dro4j (the project's {@code prompts/} directory, on the classpath under
 * {@code /dro4j/prompts/}). Prompt texts live there, never in code.
 */
public final class PromptResources {

    /** The general alignment prompt for models that have no optimised prompt. */
    public static final String BASE_ALIGNMENT_PROMPT = "base_alignment_prompt.txt";

    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private PromptResources() { }

    /** The text of a prompt resource, without its trailing newline. */
    public static String get(String name) {
        return CACHE.computeIfAbsent(name, PromptResources::read);
    }

    private static String read(String name) {
        String path = "/dro4j/prompts/" + name;
        try (InputStream in = PromptResources.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Prompt resource missing from the classpath: " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).stripTrailing();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read dro4j's own resource " + path + ": " + e, e);
        }
    }
}
