package dro.serve;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the server answers with an error in OpenAI's shape,
 * {@code {"error": {"message", "type", "param", "code"}}}: thrown while a request is read or answered, turned into the
 * response by the handler.
 */
final class ServeError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int status;
    final String type;
    final String param;
    final String code;
    /** Seconds for a {@code Retry-After} header, or -1. */
    final long retryAfterSeconds;

    ServeError(int status, String type, String param, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: the client's request is wrong; {@code param} names the field (or null). */
    static ServeError invalid(String param, String message) {
        return new ServeError(400, "invalid_request_error", param, null, message, -1);
    }

    /** 400: a field the server does not support. */
    static ServeError unsupported(String param, String message) {
        return new ServeError(400, "invalid_request_error", param, "unsupported_parameter", message, -1);
    }

    ObjectNode body() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return root;
    }
}
