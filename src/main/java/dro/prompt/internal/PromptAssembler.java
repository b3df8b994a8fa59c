package dro.prompt.internal;

import dro.icl.IclExample;
import java.util.List;

/**
 * Puts a DRO prompt together exactly as the original does.
 *
 * <h2>Inference</h2>
 * The system prompt followed by each in-context example as {@code \n\n#Query:\n<query>\n\n#Answer:\n<answer>}
 * (most similar first), and the user turn {@code # Query:\n<query>\n\n# Answer:\n<START>} ({@link #system},
 * {@link #user}).
 *
 * <h2>Training</h2>
 * The original's prompt search prompts the base model in another form ({@link #trainingSystem}): a
 * {@code # instructions} header, the prompt, then the examples where the first reads {@code # Query:} (with a space)
 * and the later ones {@code #Query:}, and two line breaks at the end; the same user turn.
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

    /**
     * The system text the original's training gives the base model: {@code # instructions\n\n<prompt>\n\n<icl>\n\n}
     * with {@code <icl>} = {@link #trainingIcl(List) trainingIcl(examples)}. A local base model reads this followed
     * directly by {@link #user} as one raw text.
     */
    public static String trainingSystem(String systemPrompt, List<IclExample> examples) {
        return "# instructions\n\n" + systemPrompt + "\n\n" + trainingIcl(examples) + "\n\n";
    }

    /**
     * The examples in the original's training form: {@code # Query:\n<q1>\n\n#Answer:\n<a1>}, then for each further
     * example {@code \n\n#Query:\n<q>\n\n#Answer:\n<a>} (only the first {@code # Query} has a space); empty for none.
     */
    public static String trainingIcl(List<IclExample> examples) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < examples.size(); i++) {
            IclExample e = examples.get(i);
            sb.append(i == 0 ? "# Query:\n" : "\n\n#Query:\n").append(e.query()).append("\n\n#Answer:\n")
                    .append(e.answer());
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
