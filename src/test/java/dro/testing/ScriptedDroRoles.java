package dro.testing;

import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.ScriptedOpenAiServer.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DRO's model roles played by a {@link ScriptedOpenAiServer}, chosen by the request's model name:
 * {@code policy-m} answers {@code ans(<first line of the system prompt>)<END>}; {@code selector-m} selects
 * Helpfulness and Clarity; {@code optimizer-m} turns the current prompt {@code P} into {@code P.0 .. P.(n-1)};
 * {@code judge-m} scores an answer {@code ans(P)} by {@code judgeScore(P)} on both aspects.
 */
public final class ScriptedDroRoles {

    private static final Pattern ANSWER = Pattern.compile("ans\\(([^)]*)\\)");
    private static final Pattern CURRENT = Pattern.compile("Current system prompt:\\n(.*?)\\n\\n", Pattern.DOTALL);

    private ScriptedDroRoles() { }

    /** Scores a prompt name by the share of ".2" choices in it, so the best path always takes action 2. */
    public static double prefersTwo(String prompt) {
        String[] parts = prompt.split("\\.");
        long twos = java.util.Arrays.stream(parts).skip(1).filter("2"::equals).count();
        return parts.length == 1 ? 2.0 : 1 + 3.0 * twos / (parts.length - 1);
    }

    public static Function<Request, Reply> responder(Function<String, Double> judgeScore, Duration delay) {
        return r -> {
            String user = r.message("user");
            Reply reply = switch (String.valueOf(r.model())) {
                case "policy-m" -> Reply.completion("ans(" + promptLine(r.message("system"))
                        + ")<END>");
                case "selector-m" -> Reply.completion("{\"query_analysis\": {\"main_topic\": \"t\"}, \"aspects_selection\":"
                        + " {\"reasoning\": \"r\", \"selected_aspects\": [\"Helpfulness\", \"Clarity\"]}}");
                case "optimizer-m" -> {
                    Matcher m = CURRENT.matcher(user);
                    String current = m.find() ? m.group(1) : "?";
                    List<String> choices = new ArrayList<>();
                    for (int i = 0; i < r.n(); i++) {
                        choices.add("```json\n{\"analysis\": \"a\", \"thought\": \"t\", \"new_system_prompt\": \""
                                + current + "." + i + "\"}\n```");
                    }
                    yield Reply.completion(choices.toArray(String[]::new));
                }
                case "judge-m" -> {
                    Matcher m = ANSWER.matcher(user);
                    double s = judgeScore.apply(m.find() ? m.group(1) : "");
                    yield Reply.completion("{\"Helpfulness\": {\"rationale\": \"h\", \"score\": \"" + s + "\"},"
                            + " \"Clarity\": {\"rationale\": \"c\", \"score\": " + s + "}}");
                }
                default -> Reply.error(404, "The model `" + r.model() + "` does not exist");
            };
            return delay == null || delay.isZero() ? reply : reply.withDelay(delay);
        };
    }

    private static final Pattern JUDGED_QUERY = Pattern.compile("\\nQuery:\\n(.*?)\\n\\nAnswer:\\n", Pattern.DOTALL);

    /**
     * The roles as a default run meets them: the base model is {@code policy} (answering as {@code policy-m} does),
     * and the judge, aspect selector and optimiser are one model, told apart by their prompts ({@code prompts/}).
     * The judge scores an answer {@code judgeScore(query)} on both aspects. Every request is counted by role in
     * {@code calls} (keys {@code base}, {@code judge}, {@code metrics}, {@code optimizer}).
     */
    public static Function<Request, Reply> oneApiModel(String policy, Function<String, Double> judgeScore,
                                                       java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> calls) {
        Function<Request, Reply> byName = responder(p -> 0.0, Duration.ZERO);
        return r -> {
            String user = String.valueOf(r.message("user"));
            String role = policy.equals(r.model()) ? "base" : user.contains("\"selected_aspects\"") ? "metrics"
                    : user.contains("\"new_system_prompt\"") ? "optimizer" : user.contains("Aspects to score:")
                    ? "judge" : "unknown";
            calls.computeIfAbsent(role, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            switch (role) {
                case "base":
                    return Reply.completion("ans(" + promptLine(String.valueOf(r.message("system")))
                            + ")<END>");
                case "judge": {
                    Matcher m = JUDGED_QUERY.matcher(user);
                    double s = judgeScore.apply(m.find() ? m.group(1) : "");
                    return Reply.completion("{\"Helpfulness\": {\"rationale\": \"h\", \"score\": " + s + "},"
                            + " \"Clarity\": {\"rationale\": \"c\", \"score\": " + s + "}}");
                }
                case "metrics":
                    return byName.apply(withModel(r, "selector-m"));
                case "optimizer":
                    return byName.apply(withModel(r, "optimizer-m"));
                default:
                    return Reply.error(400, "no role recognised in this request");
            }
        };
    }

    private static Request withModel(Request r, String model) {
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) r.json().deepCopy();
        json.put("model", model);
        return new Request(r.method(), r.path(), r.headers(), r.body(), json);
    }

    /** The first line of the prompt inside a base model's system text (after the training form's header). */
    static String promptLine(String system) {
        String s = system.startsWith("# instructions\n\n") ? system.substring("# instructions\n\n".length()) : system;
        return s.lines().findFirst().orElse("");
    }
}
