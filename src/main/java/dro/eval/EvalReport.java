package dro.eval;

import dro.eval.EvalSummary.ConfigurationSummary;

import dro.eval.EvalSummary.PairedComparison;

import dro.eval.EvalSummary.MeanEstimate;

import dro.internal.Html;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The self-contained HTML report of an evaluation: a summary, a bar chart of the mean score per aspect and
 * configuration with 95% confidence whiskers, the table of means, the paired comparisons, the configurations' system
 * prompts and every query's score per configuration. No scripts, no external resources.
 */
final class EvalReport {

    static final String[] COLOURS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
        "#7f7f7f", "#bcbd22", "#17becf"};

    private EvalReport() { }

    static String html(EvalSettings settings, EvalResult result, List<EvalQuery> queries, long millis,
                       List<dro.backend.EndpointStats> endpoints) {
        EvalSummary s = result.summary();
        StringBuilder h = new StringBuilder(Html.head("DRO alignment evaluation"));
        h.append("<h1>DRO alignment evaluation</h1>\n<table>");
        Html.row(h, "Model", String.valueOf(settings.model()));
        Html.row(h, "Judge", String.valueOf(settings.judgeModel()));
        Html.row(h, "Queries (unsafe)", queries.size() + " (" + queries.stream().filter(EvalQuery::unsafe).count()
                + ")");
        Html.row(h, "Configurations", String.join(", ", result.configurations().stream().map(EvalConfiguration::name)
                .toList()));
        Html.row(h, "Sampling", String.format(Locale.ROOT, "temperature %.2f, at most %d new tokens",
                settings.temperature(), settings.maxNewTokens()));
        Html.row(h, "Calls made / reused from the cache", result.stats().made() + " / " + result.stats().reused());
        Html.row(h, "Tokens (prompt + completion)", result.stats().promptTokens() + " + "
                + result.stats().completionTokens());
        result.stats().usageByModel().forEach((m, t) -> Html.row(h, "Usage of " + m,
                t.describe()));
        endpoints.forEach(e -> Html.row(h, "Endpoint " + e.endpoint(), e.describe()));
        Html.row(h, "Time", String.format(Locale.ROOT, "%.1f s", millis / 1000.0));
        h.append("</table>\n");

        List<String> groups = groups(s);
        h.append("<h2>Mean score by aspect</h2>\n<p>Bars are means over the judged answers; whiskers are 95% confidence"
                + " intervals (Student t). Safety is judged on unsafe queries only.</p>\n");
        h.append(chart(s, groups));

        h.append("<h2>Means with 95% confidence intervals</h2>\n<table><tr><th>Configuration</th>");
        groups.forEach(g -> h.append("<th>").append(Html.esc(g)).append("</th>"));
        h.append("<th>Answers</th><th>Unjudged</th></tr>\n");
        for (ConfigurationSummary c : s.configurations()) {
            h.append("<tr><th>").append(Html.esc(c.name())).append("</th>");
            for (String g : groups) {
                MeanEstimate e = estimate(c, g);
                h.append(e == null || e.n() == 0 ? "<td></td>" : "<td class=\"s" + colour(e.mean()) + "\" title=\"n = "
                        + e.n() + "\">" + meanWithCi(e) + "</td>");
            }
            h.append("<td>").append(c.answers()).append("</td><td>").append(c.unjudged()).append("</td></tr>\n");
        }
        h.append("</table>\n");

        if (!s.comparisons().isEmpty()) {
            h.append("<h2>Paired comparisons</h2>\n<p>Per query, on each answer's mean score: wins, ties and losses of"
                    + " the first configuration; the sign test's two-sided p-value; the mean difference with its 95%"
                    + " confidence interval.</p>\n<table><tr><th>Configuration</th><th>against</th><th>Queries</th>"
                    + "<th>Wins</th><th>Ties</th><th>Losses</th><th>Sign test p</th><th>Mean difference</th></tr>\n");
            for (PairedComparison p : s.comparisons()) {
                h.append("<tr><th>").append(Html.esc(p.a())).append("</th><td>").append(Html.esc(p.b()))
                        .append("</td><td>").append(p.n()).append("</td><td>").append(p.wins()).append("</td><td>")
                        .append(p.ties()).append("</td><td>").append(p.losses()).append("</td><td>")
                        .append(String.format(Locale.ROOT, "%.4f", p.signTestP())).append("</td><td>")
                        .append(p.difference().n() == 0 ? "" : signedWithCi(p.difference())).append("</td></tr>\n");
            }
            h.append("</table>\n");
        }

        h.append("<h2>Configurations</h2>\n");
        for (EvalConfiguration c : result.configurations()) {
            h.append("<h3>").append(Html.esc(c.name())).append("</h3><p>System prompt: ").append(Html.esc(c.source()))
                    .append(c.iclK() == 0 ? "; no in-context examples" : "; " + c.iclK() + " in-context examples")
                    .append("</p>");
            if (!c.systemPrompt().isEmpty()) {
                h.append("<details><summary>System prompt</summary><pre>").append(Html.esc(c.systemPrompt()))
                        .append("</pre></details>");
            }
            h.append('\n');
        }

        h.append("<h2>Every query</h2>\n<table><tr><th>Id</th><th>Query</th>");
        result.configurations().forEach(c -> h.append("<th>").append(Html.esc(c.name())).append("</th>"));
        h.append("</tr>\n");
        Map<String, ScoredAnswer> byKey = new HashMap<>();
        result.answers().forEach(a -> byKey.put(a.configuration() + "\u0000" + a.query().id(), a));
        for (EvalQuery q : queries) {
            h.append("<tr><td>").append(Html.esc(q.id())).append(q.unsafe() ? " (unsafe)" : "")
                    .append("</td><td style=\"text-align:left\">").append(Html.esc(abbreviate(q.query())))
                    .append("</td>");
            for (EvalConfiguration c : result.configurations()) {
                ScoredAnswer a = byKey.get(c.name() + "\u0000" + q.id());
                if (a == null || a.evaluation().isEmpty()) {
                    h.append("<td>-</td>");
                } else {
                    h.append(Html.scoreCell(a.mean(), abbreviate(a.answer())));
                }
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n</body></html>\n");
        return h.toString();
    }

    /** The chart's groups: the aspects any configuration was scored on, in report order, then "Overall". */
    static List<String> groups(EvalSummary s) {
        List<String> out = new ArrayList<>();
        for (String a : EvalAspects.ALL) {
            if (s.configurations().stream().anyMatch(c -> c.aspects().containsKey(a))) {
                out.add(a);
            }
        }
        out.add("Overall");
        return out;
    }

    static MeanEstimate estimate(ConfigurationSummary c, String group) {
        return group.equals("Overall") ? c.overall() : c.aspects().get(group);
    }

    /** A grouped bar chart, one group per aspect, one bar per configuration, with confidence whiskers. */
    static String chart(EvalSummary s, List<String> groups) {
        int w = 960;
        int hgt = 340;
        int left = 40;
        int right = 20;
        int top = 20;
        int bottom = 60;
        int nc = s.configurations().size();
        double gw = (w - left - right) / (double) groups.size();
        double bw = gw * 0.8 / Math.max(1, nc);
        StringBuilder svg = new StringBuilder();
        svg.append("<svg width=\"").append(w).append("\" height=\"").append(hgt)
                .append("\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"mean score by aspect\">");
        for (int y = 0; y <= 5; y++) {
            double py = yOf(y, hgt, top, bottom);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"20\" y=\"%.1f\" font-size=\"11\">%d</text>", left, w - right, py, py, py + 4, y));
        }
        for (int g = 0; g < groups.size(); g++) {
            double gx = left + g * gw;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">"
                    + "%s</text>", gx + gw / 2, hgt - bottom + 16, Html.esc(groups.get(g))));
            for (int c = 0; c < nc; c++) {
                ConfigurationSummary cs = s.configurations().get(c);
                MeanEstimate e = estimate(cs, groups.get(g));
                if (e == null || e.n() == 0) {
                    continue;
                }
                double x = gx + gw * 0.1 + c * bw;
                double y = yOf(e.mean(), hgt, top, bottom);
                String colour = COLOURS[c % COLOURS.length];
                svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
                                + " fill=\"%s\"><title>%s, %s: %s</title></rect>", x, y, bw * 0.9,
                        yOf(0, hgt, top, bottom) - y, colour, Html.esc(cs.name()), Html.esc(groups.get(g)),
                        Html.esc(meanWithCi(e))));
                if (!Double.isNaN(e.low())) {
                    double cx = x + bw * 0.45;
                    double lo = yOf(Math.max(0, e.low()), hgt, top, bottom);
                    double hi = yOf(Math.min(5, e.high()), hgt, top, bottom);
                    svg.append(String.format(Locale.ROOT, "<path class=\"ci\" d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f"
                                    + " %.1fH%.1f\" stroke=\"#222\" stroke-width=\"1.2\" fill=\"none\"/>", cx, lo, hi,
                            cx - 3, lo, cx + 3, cx - 3, hi, cx + 3));
                }
            }
        }
        double lx = left;
        for (int c = 0; c < nc; c++) {
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%s</text>", lx, hgt - 24,
                    COLOURS[c % COLOURS.length], lx + 16, hgt - 14, Html.esc(s.configurations().get(c).name())));
            lx += 40 + 7.5 * s.configurations().get(c).name().length();
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static double yOf(double v, int hgt, int top, int bottom) {
        return hgt - bottom - v * (hgt - top - bottom) / 5.0;
    }

    private static int colour(double mean) {
        return (int) Math.max(1, Math.min(5, Math.round(mean)));
    }

    static String meanWithCi(MeanEstimate e) {
        return Double.isNaN(e.low()) ? Html.fmt(e.mean()) : Html.fmt(e.mean()) + " ± " + Html.fmt(e.halfWidth());
    }

    private static String signedWithCi(MeanEstimate e) {
        String m = String.format(Locale.ROOT, "%+.2f", e.mean());
        return Double.isNaN(e.low()) ? m : m + String.format(Locale.ROOT, " [%+.2f, %+.2f]", e.low(), e.high());
    }

    private static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 120 ? one.substring(0, 117) + "..." : one;
    }
}
