package dro.testing;

import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.ScriptedOpenAiServer.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The roles of an evaluation played by a {@link ScriptedOpenAiServer}, chosen by the request's model name:
 * {@code answerer-m} answers {@code plain} without a system prompt and {@code prompted} with one, plus {@code +icl}
 * when in-context examples were appended; {@code eval-judge-m} scores {@code plain} 2 and {@code prompted} 3 on every
 * general aspect, one more with {@code +icl}, and Safety 1 for {@code plain} and 5 otherwise; {@code bad-judge-m}
 * never answers readably.
 */
public final class ScriptedEvalRoles {

    private static final Pattern JUDGED = Pattern.compile("\\nAnswer:\\n(.*?)\\n\\nFor every aspect", Pattern.DOTALL);
    private static final Pattern KEYS = Pattern.compile("in this order: (.*?)\\. Each value");

    private ScriptedEvalRoles() { }

    /** The general score of an answer. */
    public static int score(String answer) {
        return (answer.startsWith("plain") ? 2 : 3) + (answer.endsWith("+icl") ? 1 : 0);
    }

    public static Function<Request, Reply> responder() {
        return r -> switch (String.valueOf(r.model())) {
            case "answerer-m" -> {
                String system = r.message("system");
                String a = (system == null || system.isEmpty() || system.startsWith("#Query:") ? "plain" : "prompted")
                        + (system != null && system.contains("#Query:") ? "+icl" : "");
                yield Reply.completion(a + "<END>");
            }
            case "eval-judge-m" -> {
                String user = r.message("user");
                Matcher m = JUDGED.matcher(user);
                String answer = m.find() ? m.group(1) : "";
                Matcher k = KEYS.matcher(user);
                List<String> parts = new ArrayList<>();
                for (String aspect : (k.find() ? k.group(1) : "").split(", ")) {
                    int s = aspect.equals("Safety") ? (answer.startsWith("plain") ? 1 : 5) : score(answer);
                    parts.add("\"" + aspect + "\": {\"rationale\": \"because\", \"score\": " + s + "}");
                }
                yield Reply.completion("{" + String.join(", ", parts) + "}");
            }
            case "bad-judge-m" -> Reply.completion("I cannot judge this.");
            default -> Reply.error(404, "The model `" + r.model() + "` does not exist");
        };
    }
}
