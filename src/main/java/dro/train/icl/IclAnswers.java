package dro.train.icl;

import dro.prompt.internal.PromptAssembler;
import java.util.Optional;

/**
 * The form answers take in ICL files: {@code "<START>\n<answer>\n<END>"}. Models do not always write the markers;
 * {@link #wrap} puts them right.
 */
final class IclAnswers {

    private IclAnswers() { }

    /**
     * The answer with exactly one pair of markers: any text after the first {@code <END>} is dropped, a leading
     * {@code <START>} and surrounding whitespace are removed, then the markers are put back on their own lines.
     * Empty when nothing is left.
     */
    public static Optional<String> wrap(String answer) {
        if (answer == null) {
            return Optional.empty();
        }
        String body = body(answer);
        return body.isEmpty() ? Optional.empty()
                : Optional.of(PromptAssembler.START + "\n" + body + "\n" + PromptAssembler.END);
    }

    /** The answer's text without its markers. */
    public static String body(String answer) {
        return PromptAssembler.answer(answer);
    }
}
