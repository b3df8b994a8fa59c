package dro;

import java.util.Locale;

/**
 * Which system prompt a query was assembled with, and where it came from.
 *
 * @param kind   where it came from
 * @param detail for {@link Kind#REGISTRY}, the prompt's id; for {@link Kind#BUILDER}, {@code optimizedPrompt} or the
 *               {@code optimizedPromptFile} it was read from; for {@link Kind#USER},
 *               {@code userSpecifiedSystemPrompt}; for {@link Kind#BASE}, {@code base alignment prompt}
 */
public record SystemPromptSource(Kind kind, String detail) {

    /** Where a system prompt came from. */
    public enum Kind {
        /** An optimised prompt found in the {@link dro.prompt.PromptRegistry} (imported, pulled or shipped). */
        REGISTRY,
        /** The optimised prompt given to the builder ({@code optimizedPrompt} or {@code optimizedPromptFile}). */
        BUILDER,
        /** The user's own ({@link GenerateOptions#userSpecifiedSystemPrompt()}). */
        USER,
        /** The base alignment prompt: no optimised prompt is known, or it was not asked for. */
        BASE;

        /** The kind's name in lower case, as in JSON. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The base alignment prompt. */
    public static final SystemPromptSource BASE = new SystemPromptSource(Kind.BASE, "base alignment prompt");
    /** The user's own system prompt. */
    public static final SystemPromptSource USER = new SystemPromptSource(Kind.USER, "userSpecifiedSystemPrompt");

    public SystemPromptSource {
        if (kind == null) {
            throw new InvalidRequestException("kind must not be null");
        }
        if (detail == null || detail.isBlank()) {
            throw new InvalidRequestException("detail must not be empty, but was "
                    + (detail == null ? "null" : "\"" + detail + "\""));
        }
    }

    /** The registry entry with this id. */
    public static SystemPromptSource registry(String id) {
        return new SystemPromptSource(Kind.REGISTRY, id);
    }

    /** A prompt given to the builder: {@code optimizedPrompt}, or the file it was read from. */
    public static SystemPromptSource builder(String detail) {
        return new SystemPromptSource(Kind.BUILDER, detail);
    }

    /** {@code registry mistral-7b-v0.1}, {@code base alignment prompt}, ... */
    @Override
    public String toString() {
        return kind == Kind.BASE ? detail : kind.label() + " " + detail;
    }
}
