package dro.backend.openai;

import dro.backend.RetryPolicy;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.core.JsonValue;
import com.openai.core.http.Headers;
import com.openai.errors.OpenAIInvalidDataException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import dro.ApiConnectionException;
import dro.ApiException;
import dro.ApiTimeoutException;
import dro.AuthenticationException;
import dro.BadRequestException;
import dro.DroException;
import dro.InvalidResponseException;
import dro.ModelNotFoundException;
import dro.RateLimitException;
import dro.ServerErrorException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The one place where what an endpoint answered (an HTTP status with its error body, a timeout, a broken connection,
 * a body that is not a chat completion) becomes a {@link DroException}: retriable or not by its type, with a message
 * that says what the endpoint answered and never holds the key.
 */
final class OpenAiErrors {

    private static final int MAX_MESSAGE_CHARS = 500;

    private final String endpoint;
    private final String model;
    private final Duration timeout;
    private final Redactor redactor;
    private final Clock clock;

    OpenAiErrors(String endpoint, String model, Duration timeout, Redactor redactor, Clock clock) {
        this.endpoint = endpoint;
        this.model = model;
        this.timeout = timeout;
        this.redactor = redactor;
        this.clock = clock;
    }

    DroException map(Throwable t) {
        if (t instanceof DroException d) {
            return d;
        }
        if (t instanceof OpenAIServiceException s) {
            return forStatus(s.statusCode(), endpointMessage(s.body()), retryAfter(s.headers()));
        }
        JsonProcessingException badJson = cause(t, JsonProcessingException.class);
        if (badJson != null || t instanceof OpenAIInvalidDataException) {
            String why = badJson != null ? badJson.getOriginalMessage() : rootMessage(t);
            return new InvalidResponseException("The answer from " + where() + " is not a chat completion: "
                    + shorten(redact(why)), -1, "", null, null);
        }
        IOException io = ioCause(t);
        if (io != null || t instanceof OpenAIIoException) {
            if (io instanceof InterruptedIOException) {
                return new ApiTimeoutException(where() + " did not answer within "
                        + (timeout == null ? "the timeout" : describe(timeout)), -1, "", null, io);
            }
            String why = io != null ? io.getMessage() : t.getMessage();
            return new ApiConnectionException("Cannot reach " + where() + ": " + redact(why), -1, "", null, io);
        }
        return new ApiException("The request to " + where() + " failed: " + shorten(redact(
                t.getClass().getSimpleName() + ": " + t.getMessage())), -1, "", null, null);
    }

    /** The exception for an HTTP error status. */
    ApiException forStatus(int status, String endpointMessage, Duration retryAfter) {
        String msg = endpointMessage == null ? "" : endpointMessage;
        String text = "HTTP " + status + " from " + where() + (msg.isEmpty() ? " (no error message)" : ": " + msg);
        if (status == 429) {
            return new RateLimitException(text, status, msg, retryAfter, null);
        }
        if (status >= 500) {
            return new ServerErrorException(text, status, msg, retryAfter, null);
        }
        if (status == 408) {
            return new ApiTimeoutException(text, status, msg, retryAfter, null);
        }
        if (status == 401 || status == 403) {
            return new AuthenticationException(text, status, msg, null, null);
        }
        if (status == 404) {
            return new ModelNotFoundException(text, status, msg, null, null);
        }
        if (status >= 400) {
            return new BadRequestException(text, status, msg, null, null);
        }
        return new ApiException(text, status, msg, null, null);
    }

    /** The endpoint and model, for messages: {@code http://host/v1 (model "name")}. */
    String where() {
        return endpoint + " (model \"" + model + "\")";
    }

    String redact(String text) {
        return redactor.redact(text);
    }

    /**
     * The error message inside an error body: OpenAI's {@code {"error": {"message": ...}}}, or the
     * {@code {"error": "..."}}, {@code {"message": ...}} and {@code {"detail": ...}} of other servers, else the body
     * itself; redacted, on one line, shortened.
     */
    private String endpointMessage(JsonValue body) {
        JsonNode node;
        try {
            node = body == null ? null : body.convert(JsonNode.class);
        } catch (RuntimeException e) {
            node = null;
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "";
        }
        String text;
        JsonNode error = node.path("error");
        if (error.isObject() && error.path("message").isTextual()) {
            text = error.path("message").asText();
        } else if (error.isTextual()) {
            text = error.asText();
        } else if (node.path("message").isTextual()) {
            text = node.path("message").asText();
        } else if (node.path("detail").isTextual()) {
            text = node.path("detail").asText();
        } else if (node.isTextual()) {
            text = node.asText();
        } else if (node.isObject() && node.isEmpty()) {
            text = "";
        } else {
            text = node.toString();
        }
        return shorten(redact(text));
    }

    private Duration retryAfter(Headers headers) {
        if (headers == null) {
            return null;
        }
        return RetryPolicy.parseRetryAfter(first(headers, "retry-after-ms"), first(headers, "retry-after"), clock)
                .orElse(null);
    }

    private static String first(Headers headers, String name) {
        List<String> values = headers.values(name);
        return values.isEmpty() ? null : values.get(0);
    }

    private static <T extends Throwable> T cause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static IOException ioCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException io) {
                return io;
            }
            if (c instanceof UncheckedIOException u) {
                return u.getCause();
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (root != t && t.getMessage() != null) {
            m = t.getMessage() + " (" + m + ")";
        }
        return m;
    }

    private static String shorten(String text) {
        String oneLine = text.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
        return oneLine.length() > MAX_MESSAGE_CHARS ? oneLine.substring(0, MAX_MESSAGE_CHARS - 3) + "..." : oneLine;
    }

    /** {@code 250 ms}, {@code 2 s}, {@code 1.5 s}. */
    static String describe(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
