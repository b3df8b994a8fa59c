package dro.prompt;

import dro.icl.IclExample;
import java.util.List;

/**
 * Puts a DRO prompt together exactly as the original does: the system prompt followed by each in-context example as
 * {@code \n\n#Query:\n<query>\n\n#Answer:\n<answer>} (most similar first), and the user turn
 * {@code # Query:\n<query>\n\n# Answer:\n<START>}.
 */
public final class PromptAssembler {

    /** The marker that opens every answer. */
    public static final String START = "<START>";
    /** The marker that closes every answer. */
    public static final String END = "<END>";

    private PromptAssembler() { }

    /** The system prompt with the examples appended in the given order. */
    public static String system(String systemPrompt, List<IclExample> examples) {
        StringBuilder sb = new StringBuilder(systemPrompt);
        for (IclExample e : examples) {
            sb.append("\n\n#Query:\n").append(e.query()).append("\n\n#Answer:\n").append(e.answer());
        }
        return sb.toString();
    }

    /** The user turn for a query. */
    public static String user(String query) {
        return "# Query:\n" + query + "\n\n# Answer:\n" + START;
    }

    /**
     * The answer inside a model's output: the text before the first {@code <END>}, without a leading
     * {@code <START>}, trimmed.
     */
    public static String answer(String output) {
        String s = output;
        int end = s.indexOf(END);
        if (end >= 0) {
            s = s.substring(0, end);
        }
        s = s.strip();
        if (s.startsWith(START)) {
            s = s.substring(START.length()).strip();
        }
        return s;
    }
}
