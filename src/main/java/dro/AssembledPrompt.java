package dro;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.icl.IclExample;
import dro.internal.Json;
import java.util.List;

/**
 * What {@link AutoModel} sends for one query.
 *
 * @param system             the system prompt with the in-context examples appended
 * @param user               the user turn, ending in {@code <START>}
 * @param prompt             the full text the model reads (chat template applied, or the raw concatenation for base
 *                           models); for API models, the messages as JSON
 * @param examples           the in-context examples used, in prompt order (most similar first, unless
 *                           {@link GenerateOptions#iclOrder()} says otherwise)
 * @param systemPromptSource which system prompt was used and where it came from, or null when not recorded
 */
public record AssembledPrompt(String system, String user, String prompt, List<IclExample> examples,
                              SystemPromptSource systemPromptSource) {

    public AssembledPrompt {
        examples = List.copyOf(examples);
    }

    /** Without a recorded source of the system prompt. */
    public AssembledPrompt(String system, String user, String prompt, List<IclExample> examples) {
        this(system, user, prompt, examples, null);
    }

    /**
     * {@code {"system": ..., "user": ..., "prompt": ..., "systemPromptSource": {"kind": ..., "detail": ...}}}, kind
     * being {@code registry}, {@code builder}, {@code user} or {@code base} (see {@link SystemPromptSource}).
     */
    public String toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("system", system).put("user", user).put("prompt", prompt);
        if (systemPromptSource != null) {
            o.putObject("systemPromptSource").put("kind", systemPromptSource.kind().label())
                    .put("detail", systemPromptSource.detail());
        }
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
