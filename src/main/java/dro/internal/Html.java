package dro.internal;

import java.util.Locale;

/** The shared look of dro4j's self-contained HTML reports (training, ICL optimisation, evaluation). */
public final class Html {

    /** The reports' style sheet: tables, preformatted text, diff marks and score colours {@code .s1 .. .s5}. */
    public static final String STYLE = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;"
            + "padding:0 1em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;"
            + "text-align:center}th{background:#f3f3f3}pre{white-space:pre-wrap;background:#fafafa;"
            + "border:1px solid #ddd;padding:.8em}ins{background:#c8f7c5;text-decoration:none}"
            + "del{background:#f9c7c7}.s1{background:#f4b6b6}.s2{background:#f7d3b0}.s3{background:#f5eeb0}"
            + ".s4{background:#d6efb9}.s5{background:#b5e3b5}";

    private Html() { }

    /** The start of a report page, up to and including {@code <body>}. */
    public static String head(String title) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) + "</title>\n"
                + "<style>" + STYLE + "</style></head><body>\n";
    }

    /** Text escaped for HTML content and attribute values; null is empty. */
    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** A two-column table row: a heading cell and a value cell. */
    public static void row(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>\n");
    }

    /** A score cell coloured by its rounded value, with the rationale as a tooltip. */
    public static String scoreCell(double score, String rationale) {
        long colour = Math.max(1, Math.min(5, Math.round(score)));
        return "<td class=\"s" + colour + "\" title=\"" + esc(rationale) + "\">" + fmt(score) + "</td>";
    }

    /** Two decimals, whatever the locale. */
    public static String fmt(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }
}
