package dro.compat.internal;

/**
 * What an original DRO training run pickled into {@code output.pkl}: the whole search
 * ({@link BeamSearchResult}) or, in some files, only the final prompt ({@link PromptOnly}).
 */
public sealed interface TrainingOutput permits BeamSearchResult, TrainingOutput.PromptOnly {

    /** The optimised system prompt: the last system prompt of the best path. */
    String optimizedPrompt();

    /** A pickle holding a bare string: the prompt itself. */
    record PromptOnly(String optimizedPrompt) implements TrainingOutput { }
}
