package dro.serve;

/**
 * Streams an answer as {@link dro.prompt.PromptAssembler#answer} cleans a whole one: white space at the start and at
 * the end is left out, so the streamed pieces join to the text a non-streamed request returns. White space inside the
 * answer is held back until the text after it comes. One per stream; not thread-safe.
 */
final class AnswerPieces {

    private static final String START = "<START>";

    private final StringBuilder held = new StringBuilder();
    private boolean started;

    /** The text to send now for {@code piece} (possibly empty). */
    String push(String piece) {
        held.append(piece);
        if (!started) {
            int i = 0;
            while (i < held.length() && Character.isWhitespace(held.charAt(i))) {
                i++;
            }
            held.delete(0, i);
            if (held.length() == 0 || START.startsWith(held.toString())) {
                return "";
            }
            if (held.indexOf(START) == 0) {
                held.delete(0, START.length());
                return push("");
            }
            started = true;
        }
        int end = held.length();
        while (end > 0 && Character.isWhitespace(held.charAt(end - 1))) {
            end--;
        }
        String out = held.substring(0, end);
        held.delete(0, end);
        return out;
    }

    /** The text still to send when the stream has ended (white space at the end is dropped). */
    String finish() {
        String out = started ? "" : held.toString().strip();
        held.setLength(0);
        return out;
    }
}
