package dro.testing;

import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.ScriptedOpenAiServer.Request;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The roles of ICL optimisation played by a {@link ScriptedOpenAiServer}, chosen by the request's model name:
 * {@code critic-selector-m} selects Helpfulness, Clarity and Depth; {@code answer-m} answers {@code written<END>};
 * {@code rewriter-m} appends {@code +} to the answer it is given (without the markers, as models sometimes do);
 * {@code critic-m} scores an answer with {@code k} pluses {@code min(5, 2 + k)} on every aspect, so the third rewrite
 * of a fresh answer is all 5s.
 */
public final class ScriptedIclRoles {

    private static final Pattern CRITIQUED = Pattern.compile("\\nAnswer:\\n(.*?)\\n\\nFor every aspect", Pattern.DOTALL);
    private static final Pattern REWRITTEN = Pattern.compile("Current answer:\\n(.*?)\\n\\nThe aspects it is judged on",
            Pattern.DOTALL);

    private ScriptedIclRoles() { }

    /** The critic's score of an answer: 2 plus its pluses, at most 5. */
    public static int score(String answer) {
        return (int) Math.min(5, 2 + answer.chars().filter(c -> c == '+').count());
    }

    public static Function<Request, Reply> responder() {
        return r -> {
            String user = r.message("user");
            return switch (String.valueOf(r.model())) {
                case "critic-selector-m" -> Reply.completion("{\"query_analysis\": {\"main_topic\": \"t\"},"
                        + " \"aspects_selection\": {\"reasoning\": \"strict\", \"selected_aspects\": [\"Helpfulness\","
                        + " \"Clarity\", \"Depth\"]}}");
                case "answer-m" -> Reply.completion("written<END>");
                case "rewriter-m" -> {
                    Matcher m = REWRITTEN.matcher(user);
                    String current = m.find() ? m.group(1) : "?";
                    yield Reply.completion("{\"thought\": \"t\", \"new_response\": \"" + current + "+\"}");
                }
                case "critic-m" -> {
                    Matcher m = CRITIQUED.matcher(user);
                    int s = score(m.find() ? m.group(1) : "");
                    yield Reply.completion("{\"Helpfulness\": {\"rationale\": \"h\", \"score\": " + s + "},"
                            + " \"Clarity\": {\"rationale\": \"c\", \"score\": \"" + s + "/5\"},"
                            + " \"Depth\": {\"rationale\": \"d\", \"score\": " + s + "}}");
                }
                default -> Reply.error(404, "The model `" + r.model() + "` does not exist");
            };
        };
    }
}
