package dro.train.run;
import dro.train.Step;
import dro.train.PathState;
import dro.train.search.BeamSearch;
import dro.roles.Evaluation;
import dro.roles.AspectScore;

import dro.internal.Html;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The self-contained HTML report of a training run: a summary, reward by depth (the best path and the best node of
 * every depth), per-aspect scores along the best path, and how the prompt evolved, with each change highlighted.
 * No scripts, no external resources.
 */
final class Report {

    private Report() { }

    static String html(TrainConfig config, TrainResult out, BeamSearch.Result<PathState, String> result, long millis,
                       List<dro.backend.EndpointStats> endpoints) {
        List<Step> path = out.bestPath();
        StringBuilder h = new StringBuilder();
        h.append(Html.head("DRO training report"));
        h.append("<h1>DRO training report</h1>\n<table>");
        row(h, "Base model", config.baseModel());
        row(h, "Judge model", config.judgeModel());
        row(h, "Metrics model", config.metricsModel());
        row(h, "Optimizer model", config.optimizerModel());
        row(h, "Best path score", fmt(out.score()));
        row(h, "Depth (limit at the end)", path.size() + " (" + out.depthLimit() + ")");
        row(h, "Beam size / actions", config.beamSize() + " / " + config.nActions());
        row(h, "Training format / seed", config.trainFormat().id() + " / " + config.seed());
        row(h, "Nodes in the search tree", String.valueOf(out.nodes()));
        row(h, "Calls made / reused from the cache", out.stats().made() + " / " + out.stats().reused());
        row(h, "Tokens (prompt + completion)", out.stats().promptTokens() + " + " + out.stats().completionTokens());
        out.stats().usageByModel().forEach((m, t) -> row(h, "Usage of " + m,
                t.describe()));
        endpoints.forEach(e -> row(h, "Endpoint " + e.endpoint(), e.describe()));
        row(h, "Time", String.format(Locale.ROOT, "%.1f s", millis / 1000.0));
        h.append("</table>\n");

        h.append("<h2>Reward by depth</h2>\n").append(chart(path, bestByDepth(result.root(), path.size())));

        h.append("<h2>Aspect scores along the best path</h2>\n");
        Set<String> aspects = new LinkedHashSet<>();
        path.forEach(s -> aspects.addAll(s.evaluation().scores().keySet()));
        h.append("<table><tr><th>Level</th><th>Reward</th>");
        aspects.forEach(a -> h.append("<th>").append(esc(a)).append("</th>"));
        h.append("</tr>\n");
        for (int i = 0; i < path.size(); i++) {
            Evaluation e = path.get(i).evaluation();
            h.append("<tr><td>").append(i + 1).append("</td><td>").append(fmt(e.reward())).append("</td>");
            for (String a : aspects) {
                AspectScore s = e.scores().get(a);
                if (s == null) {
                    h.append("<td></td>");
                } else {
                    h.append("<td class=\"s").append((int) Math.round(s.score())).append("\" title=\"")
                            .append(esc(s.rationale())).append("\">").append(fmt(s.score())).append("</td>");
                }
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");

        h.append("<h2>How the prompt evolved</h2>\n");
        String previous = null;
        for (int i = 0; i < path.size(); i++) {
            String p = path.get(i).systemPrompt();
            if (previous == null) {
                h.append("<h3>Level 1: initial prompt</h3><pre>").append(esc(p)).append("</pre>\n");
            } else if (!p.equals(previous)) {
                h.append("<h3>Level ").append(i + 1).append("</h3><pre>").append(diff(previous, p)).append("</pre>\n");
            }
            previous = p;
        }
        h.append("<h2>Optimised prompt</h2><pre>").append(esc(out.optimizedPrompt())).append("</pre>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    /** The highest node reward at each path length 1..n. */
    private static double[] bestByDepth(BeamSearch.Node<PathState, String> root, int n) {
        double[] best = new double[n];
        java.util.Arrays.fill(best, Double.NaN);
        List<BeamSearch.Node<PathState, String>> todo = new ArrayList<>(root.children());
        while (!todo.isEmpty()) {
            BeamSearch.Node<PathState, String> node = todo.remove(0);
            int i = node.state().size() - 1;
            if (i < n && (Double.isNaN(best[i]) || node.reward() > best[i])) {
                best[i] = node.reward();
            }
            todo.addAll(node.children());
        }
        return best;
    }

    private static String chart(List<Step> path, double[] best) {
        int w = 900;
        int hgt = 260;
        int pad = 40;
        int n = path.size();
        double dx = n > 1 ? (w - 2.0 * pad) / (n - 1) : 0;
        StringBuilder s = new StringBuilder();
        s.append("<svg width=\"").append(w).append("\" height=\"").append(hgt)
                .append("\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"reward by depth\">");
        for (int y = 0; y <= 5; y++) {
            double py = hgt - pad - y * (hgt - 2.0 * pad) / 5;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"10\" y=\"%.1f\" font-size=\"11\">%d</text>", pad, w - pad, py, py, py + 4, y));
        }
        s.append(polyline(path.stream().mapToDouble(st -> st.evaluation().reward()).toArray(), dx, hgt, pad,
                "#1f77b4"));
        s.append(polyline(best, dx, hgt, pad, "#ff7f0e"));
        s.append("<text x=\"").append(pad).append("\" y=\"15\" font-size=\"12\" fill=\"#1f77b4\">best path reward</text>");
        s.append("<text x=\"").append(pad + 140).append("\" y=\"15\" font-size=\"12\" fill=\"#ff7f0e\">")
                .append("best node at each depth</text>");
        s.append("<text x=\"").append(w / 2).append("\" y=\"").append(hgt - 8)
                .append("\" font-size=\"11\">depth (training step)</text></svg>\n");
        return s.toString();
    }

    private static String polyline(double[] ys, double dx, int hgt, int pad, String colour) {
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < ys.length; i++) {
            if (!Double.isNaN(ys[i])) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", pad + i * dx, hgt - pad - ys[i] * (hgt - 2.0 * pad) / 5));
            }
        }
        return "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\" points=\"" + pts.toString().strip()
                + "\"/>";
    }

    /** A word-level diff: removed words in {@code <del>}, added words in {@code <ins>}. */
    static String diff(String before, String after) {
        String[] a = before.split("(?<=\\s)");
        String[] b = after.split("(?<=\\s)");
        int[][] lcs = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                out.append(esc(a[i]));
                i++;
                j++;
            } else if (j < b.length && (i == a.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
                out.append("<ins>").append(esc(b[j])).append("</ins>");
                j++;
            } else {
                out.append("<del>").append(esc(a[i])).append("</del>");
                i++;
            }
        }
        return out.toString();
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n");
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }

    static String esc(String s) {
        return Html.esc(s);
    }
}
