package dro.compat.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes JSON exactly as Python's {@code json.dumps(obj, indent=4)} does (ASCII only, {@code ": "} after keys, four
 * spaces per level), so files of the original round-trip byte for byte. Floats are written in Python's notation for
 * the common cases (the original's files hold none).
 */
public final class PythonJson {

    private PythonJson() { }

    public static String dumps(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(sb, node, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, JsonNode n, int level) {
        if (n.isObject()) {
            if (n.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            boolean first = true;
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                sb.append(first ? "" : ",").append('\n').append("    ".repeat(level + 1));
                string(sb, e.getKey());
                sb.append(": ");
                write(sb, e.getValue(), level + 1);
                first = false;
            }
            sb.append('\n').append("    ".repeat(level)).append('}');
        } else if (n.isArray()) {
            if (n.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < n.size(); i++) {
                sb.append(i == 0 ? "" : ",").append('\n').append("    ".repeat(level + 1));
                write(sb, n.get(i), level + 1);
            }
            sb.append('\n').append("    ".repeat(level)).append(']');
        } else if (n.isTextual()) {
            string(sb, n.asText());
        } else if (n.isNull()) {
            sb.append("null");
        } else if (n.isBoolean()) {
            sb.append(n.asBoolean() ? "true" : "false");
        } else if (n.isIntegralNumber()) {
            sb.append(n.bigIntegerValue());
        } else if (n.isNumber()) {
            sb.append(pythonFloat(n.asDouble()));
        } else {
            throw new IllegalStateException("cannot write a " + n.getNodeType() + " as JSON"); // only dro4j's own trees
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        String s = Double.toString(d);
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        String mantissa = s.substring(0, e);
        if (mantissa.endsWith(".0")) {
            mantissa = mantissa.substring(0, mantissa.length() - 2);
        }
        int exp = Integer.parseInt(s.substring(e + 1));
        if (exp >= -4 && exp < 16) {
            // Python's repr: positional, shortest digits, and always a decimal point (15100000.0, 0.0001)
            String plain = new java.math.BigDecimal(s).stripTrailingZeros().toPlainString();
            return plain.indexOf('.') < 0 ? plain + ".0" : plain;
        }
        return mantissa + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }
}
