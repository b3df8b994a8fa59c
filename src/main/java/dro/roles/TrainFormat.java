package dro.roles;

import dro.InvalidRequestException;
import java.util.Locale;

/**
 * How the model under training is prompted during the search (DRO-reference section 4).
 *
 * <ul>
 *   <li>{@link #ORIGINAL} (the default): as the original trains. The system text is
 *   {@code # instructions\n\n<prompt>\n\n<icl>\n\n} with the examples in the original's training form (see
 *   {@link dro.prompt.internal.PromptAssembler#trainingSystem}); a local model reads {@code system + user} as one raw text with
 *   no chat template, an API model gets one system and one user message; temperature 0, top_p 1, at most 2048 new
 *   tokens, the stops {@code <END>}, {@code <END}, {@code <|eot_id|>}.</li>
 *   <li>{@link #INFERENCE}: as {@link dro.AutoModel} answers: the prompt with the inference ICL blocks, rendered with
 *   the model's chat template. The original trains in one format and serves in the other; this trains in the one
 *   that serves.</li>
 * </ul>
 */
public enum TrainFormat {
    /** The original's training format. */
    ORIGINAL,
    /** {@code AutoModel}'s own (inference) format. */
    INFERENCE;

    /** The name in {@code config.json} and on the command line: {@code original} or {@code inference}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The format of a name ({@code original} or {@code inference}, any case).
     *
     * @throws InvalidRequestException naming the value if it is neither
     */
    public static TrainFormat parse(String name) {
        for (TrainFormat f : values()) {
            if (f.id().equalsIgnoreCase(name == null ? "" : name.strip())) {
                return f;
            }
        }
        throw new InvalidRequestException("trainFormat must be original or inference, but was "
                + (name == null ? "null" : "\"" + name + "\""));
    }
}
