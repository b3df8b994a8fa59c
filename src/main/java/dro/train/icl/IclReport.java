package dro.train.icl;

import dro.internal.Html;
import dro.roles.AspectScore;
import java.util.List;
import java.util.Locale;

/**
 * The self-contained HTML report of an ICL optimisation run: a summary, then for each seed the critic's aspects,
 * the score of every version of its answer (the kept one marked) and the initial and kept answers. No scripts, no
 * external resources.
 */
final class IclReport {

    private IclReport() { }

    static String html(IclOptimizerConfig config, IclResult result, long millis,
                       java.util.List<dro.backend.EndpointStats> endpoints) {
        List<RefinedAnswer> answers = result.answers();
        StringBuilder h = new StringBuilder(Html.head("DRO ICL optimisation report"));
        h.append("<h1>DRO ICL optimisation report</h1>\n<table>");
        Html.row(h, "Critic / metrics / rewriter", config.criticModel() + " / " + config.metricsModel() + " / "
                + config.rewriteModel());
        Html.row(h, "Answer model (seeds without an answer)", String.valueOf(config.answerModel()));
        Html.row(h, "Seeds", String.valueOf(answers.size()));
        Html.row(h, "Mean score: initial -> kept", Html.fmt(answers.stream().mapToDouble(a -> a.initial().score())
                .average().orElse(0)) + " -> " + Html.fmt(answers.stream().mapToDouble(a -> a.kept().score())
                .average().orElse(0)));
        Html.row(h, "Rewrites (at most per seed)", answers.stream().mapToInt(RefinedAnswer::rewrites).sum() + " ("
                + config.numIters() + ")");
        Html.row(h, "Stopped early at all 5s", String.valueOf(answers.stream()
                .filter(a -> a.stop() == RefinedAnswer.Stop.ALL_FIVES).count()));
        Html.row(h, "Calls made / reused from the cache", result.stats().made() + " / " + result.stats().reused());
        Html.row(h, "Tokens (prompt + completion)", result.stats().promptTokens() + " + "
                + result.stats().completionTokens());
        result.stats().usageByModel().forEach((m, t) -> Html.row(h, "Usage of " + m,
                t.describe()));
        endpoints.forEach(e -> Html.row(h, "Endpoint " + e.endpoint(), e.describe()));
        Html.row(h, "Time", String.format(Locale.ROOT, "%.1f s", millis / 1000.0));
        Html.row(h, "ICL file", result.iclFile().toAbsolutePath().toString());
        h.append("</table>\n");
        int n = 0;
        for (RefinedAnswer a : answers) {
            n++;
            h.append("<h2>").append(n).append(". ").append(Html.esc(a.query())).append("</h2>\n");
            h.append("<p>").append(Html.esc(a.aspects().reasoning())).append("</p>\n");
            h.append("<table><tr><th>Round</th><th>Mean</th>");
            a.aspects().aspects().forEach(x -> h.append("<th>").append(Html.esc(x)).append("</th>"));
            h.append("<th></th></tr>\n");
            for (int i = 0; i < a.attempts().size(); i++) {
                RefinedAnswer.Attempt t = a.attempts().get(i);
                h.append("<tr><td>").append(t.round() == 0 ? "initial" : String.valueOf(t.round())).append("</td><td>")
                        .append(Html.fmt(t.score())).append("</td>");
                for (String x : a.aspects().aspects()) {
                    AspectScore s = t.evaluation().scores().get(x);
                    h.append(s == null ? "<td></td>" : Html.scoreCell(s.score(), s.rationale()));
                }
                h.append("<td>").append(i == a.best() ? "<b>kept</b>" : "").append("</td></tr>\n");
            }
            h.append("</table>\n<p>Stopped: ").append(switch (a.stop()) {
                case ALL_FIVES -> "every aspect scored 5";
                case ITERATIONS -> "after the last allowed rewrite";
                case UNREADABLE_REWRITE -> "the rewriter's reply could not be read";
            }).append("</p>\n");
            if (a.best() != 0) {
                h.append("<h3>Initial answer</h3><pre>").append(Html.esc(a.initial().answer())).append("</pre>\n");
            }
            h.append("<h3>Kept answer</h3><pre>").append(Html.esc(a.answer())).append("</pre>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }
}
