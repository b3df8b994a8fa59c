package dro.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dro.GenerateOptions;
import dro.InvalidRequestException;
import dro.backend.ResponseFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code POST /v1/chat/completions} body read into a DRO query and its {@link GenerateOptions}, by the rules of
 * the LangChain4j bridge ({@code dro.langchain4j.DroChatModel}): the last message is the query and must be a user
 * message with text; the last system (or developer) message before it replaces the optimised prompt, as
 * {@code userSpecifiedSystemPrompt}; earlier user and assistant turns are not sent (DRO answers one query under its
 * prompt and examples) and are counted at DEBUG. The request's {@code stop} strings are added to DRO's.
 *
 * <p>Every field is known: a field the server does not honour is refused with a 400 naming it, never dropped. The
 * options hold only what the request sets (the served {@link dro.AutoModel} lays them over its own
 * {@linkplain dro.AutoModel#defaultOptions() default options}), except two that depend on those defaults: the
 * request's {@code stop} strings are added to the model's, and a model default above the server's token cap is
 * capped.
 *
 * @param model        the served model's name
 * @param query        the last user message
 * @param options      the options it is answered with, over the model's defaults
 * @param n            how many choices
 * @param stream       answer as server-sent events
 * @param includeUsage {@code stream_options.include_usage}: a last chunk with the usage
 * @param droppedTurns earlier turns not sent
 * @param format       {@code response_format}: text, one JSON object, or JSON following a schema
 */
record ChatCompletionRequest(String model, String query, GenerateOptions options, int n, boolean stream,
                             boolean includeUsage, int droppedTurns, ResponseFormat format) {

    private static final Logger log = LoggerFactory.getLogger(ChatCompletionRequest.class);

    /** Strict JSON: a duplicate key or anything after the object is malformed. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Fields that are read. */
    private static final Set<String> HONOURED = Set.of("model", "messages", "temperature", "top_p", "max_tokens",
            "max_completion_tokens", "stop", "seed", "n", "user", "stream", "stream_options", "response_format", "dro");

    /** Fields OpenAI defines whose neutral value is accepted (and ignored), anything else refused. */
    private static final Map<String, String> NEUTRAL = Map.of(
            "logprobs", "false", "presence_penalty", "0", "frequency_penalty", "0", "store", "false",
            "parallel_tool_calls", "any value (no tools are offered)", "metadata", "any value (not stored)");

    /**
     * Reads a request body.
     *
     * @param bytes        the body as sent
     * @param defaults     the default options of the served model a request names, asked once every field has been
     *                     checked; it throws the error for a model that is not served
     * @param maxTokensCap the most {@code max_tokens} a request may ask for
     * @param maxN         the most choices ({@code n}) a request may ask for
     * @throws ServeError 400 naming the field that is wrong or unsupported, or what {@code defaults} throws
     */
    static ChatCompletionRequest read(byte[] bytes, Function<String, GenerateOptions> defaults, int maxTokensCap,
                                      int maxN) {
        if (bytes.length == 0) {
            throw ServeError.invalid(null, "The request body is empty; send a JSON object");
        }
        JsonNode body;
        try {
            body = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ServeError.invalid(null, "The request body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")" : ""));
        } catch (IOException e) {
            throw ServeError.invalid(null, "The request body cannot be read as JSON: " + e.getMessage());
        }
        return read(body, defaults, maxTokensCap, maxN);
    }

    private static ChatCompletionRequest read(JsonNode body, Function<String, GenerateOptions> defaults,
                                              int maxTokensCap, int maxN) {
        if (body == null || !body.isObject()) {
            throw ServeError.invalid(null, "The request body must be a JSON object");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            JsonNode v = body.get(f);
            if (HONOURED.contains(f) || v.isNull()) {
                continue;
            }
            if (NEUTRAL.containsKey(f) && neutral(f, v)) {
                continue;
            }
            throw ServeError.unsupported(f, "dro serve does not support '" + f + "'"
                    + (NEUTRAL.containsKey(f) ? " other than " + NEUTRAL.get(f) : "") + "; it honours model,"
                    + " messages, temperature, top_p, max_tokens (max_completion_tokens), stop, seed, n, user,"
                    + " stream, stream_options, response_format and the 'dro' extension");
        }
        String model = text(body, "model", true);
        JsonNode messages = body.get("messages");
        if (messages == null || messages.isNull()) {
            throw ServeError.invalid("messages", "'messages' is required");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw ServeError.invalid("messages", "'messages' must be a non-empty array");
        }
        String system = null;
        int dropped = 0;
        String query = null;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ServeError.invalid(at, "'" + at + "' must be an object");
            }
            for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!Set.of("role", "content", "name").contains(f) && !m.get(f).isNull()) {
                    throw ServeError.unsupported(at + "." + f, "dro serve does not support '" + at + "." + f
                            + "'; a message has role, content and name");
                }
            }
            String role = text(m, "role", true, at + ".role");
            String content = content(m.get("content"), at + ".content");
            boolean last = i == messages.size() - 1;
            switch (role) {
                case "system", "developer" -> {
                    if (last) {
                        throw ServeError.invalid("messages", "dro serve answers the last message as the query, so it"
                                + " must be a user message, but it was a " + role + " message");
                    }
                    system = content;
                }
                case "user" -> {
                    if (last) {
                        query = content;
                    } else {
                        dropped++;
                    }
                }
                case "assistant" -> {
                    if (last) {
                        throw ServeError.invalid("messages", "dro serve answers the last message as the query, so it"
                                + " must be a user message, but it was an assistant message");
                    }
                    dropped++;
                }
                case "tool", "function" -> throw ServeError.unsupported(at + ".role", "dro serve does not support"
                        + " '" + role + "' messages (no tools)");
                default -> throw ServeError.invalid(at + ".role", "'" + at + ".role' must be system, developer,"
                        + " user or assistant, but was \"" + role + "\"");
            }
        }
        if (query == null || query.isBlank()) {
            throw ServeError.invalid("messages", "The last user message must not be empty");
        }
        if (system != null && system.isBlank()) {
            throw ServeError.invalid("messages", "A system message must not be empty");
        }
        if (dropped > 0) {
            log.debug("{} earlier chat turn(s) not sent: DRO answers the last user message alone", dropped);
        }

        GenerateOptions.Builder o = GenerateOptions.builder();
        if (system != null) {
            o.userSpecifiedSystemPrompt(system);
        }
        Double temperature = number(body, "temperature");
        if (temperature != null) {
            if (!(temperature >= 0 && temperature <= 2)) {
                throw ServeError.invalid("temperature", "'temperature' must be between 0 and 2, but was "
                        + temperature);
            }
            o.temperature(temperature);
        }
        Double topP = number(body, "top_p");
        if (topP != null) {
            if (!(topP > 0 && topP <= 1)) {
                throw ServeError.invalid("top_p", "'top_p' must be in (0, 1], but was " + topP);
            }
            o.topP(topP);
        }
        Integer maxTokens = integer(body, "max_tokens");
        Integer maxCompletionTokens = integer(body, "max_completion_tokens");
        if (maxTokens != null && maxCompletionTokens != null) {
            throw ServeError.invalid("max_tokens", "Give 'max_tokens' or 'max_completion_tokens', not both");
        }
        String tokensName = maxTokens != null ? "max_tokens" : "max_completion_tokens";
        Integer tokens = maxTokens != null ? maxTokens : maxCompletionTokens;
        if (tokens != null) {
            if (tokens < 1 || tokens > maxTokensCap) {
                throw ServeError.invalid(tokensName, "'" + tokensName + "' must be between 1 and " + maxTokensCap
                        + " (this server's cap), but was " + tokens);
            }
            o.maxNewTokens(tokens);
        }
        List<String> stop = stop(body.get("stop"));
        Integer seed = integer(body, "seed");
        if (seed != null) {
            o.seed(seed.longValue());
        }
        Integer n = integer(body, "n");
        if (n != null && (n < 1 || n > maxN)) {
            throw ServeError.invalid("n", "'n' must be between 1 and " + maxN + " (this server's cap), but was " + n);
        }
        text(body, "user", false);
        boolean stream = bool(body, "stream", false);
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) {
                throw ServeError.invalid("stream_options", "'stream_options' must be an object");
            }
            for (Iterator<String> it = so.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!f.equals("include_usage")) {
                    throw ServeError.unsupported("stream_options." + f, "dro serve does not support"
                            + " 'stream_options." + f + "'");
                }
            }
            includeUsage = bool(so, "include_usage", false);
            if (!stream) {
                throw ServeError.invalid("stream_options", "'stream_options' is only allowed with 'stream': true");
            }
        }
        ResponseFormat format = responseFormat(body.get("response_format"));
        dro(body.get("dro"), o);
        GenerateOptions modelDefaults = defaults.apply(model);
        if (tokens == null && modelDefaults.maxNewTokens() > maxTokensCap) {
            o.maxNewTokens(maxTokensCap);
        }
        if (!stop.isEmpty()) {
            Set<String> all = new LinkedHashSet<>(modelDefaults.stop());
            all.addAll(stop);
            o.stop(List.copyOf(all));
        }
        try {
            return new ChatCompletionRequest(model, query, o.build(), n == null ? 1 : n, stream, includeUsage,
                    dropped, format);
        } catch (InvalidRequestException e) {
            throw ServeError.invalid(null, e.getMessage());
        }
    }

    /**
     * OpenAI's {@code response_format}: {@code {"type": "text"}}, {@code {"type": "json_object"}} or
     * {@code {"type": "json_schema", "json_schema": {"name": ..., "schema": {...}, "strict": ...}}}; whether the served
     * model can enforce it is checked against its capabilities once the model is known.
     */
    private static ResponseFormat responseFormat(JsonNode f) {
        if (f == null || f.isNull()) {
            return ResponseFormat.TEXT;
        }
        if (!f.isObject()) {
            throw ServeError.invalid("response_format", "'response_format' must be an object such as"
                    + " {\"type\": \"json_object\"}");
        }
        String type = text(f, "type", true, "response_format.type");
        Set<String> allowed = switch (type) {
            case "text", "json_object" -> Set.of("type");
            case "json_schema" -> Set.of("type", "json_schema");
            default -> throw ServeError.invalid("response_format.type", "'response_format.type' must be text,"
                    + " json_object or json_schema, but was \"" + type + "\"");
        };
        for (Iterator<String> it = f.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw ServeError.unsupported("response_format." + k, "dro serve does not support 'response_format."
                        + k + "' with type " + type);
            }
        }
        if (type.equals("text")) {
            return ResponseFormat.TEXT;
        }
        if (type.equals("json_object")) {
            return ResponseFormat.JSON_OBJECT;
        }
        JsonNode js = f.get("json_schema");
        if (js == null || !js.isObject()) {
            throw ServeError.invalid("response_format.json_schema", "'response_format.json_schema' must be an"
                    + " object with a 'schema'");
        }
        for (Iterator<String> it = js.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!Set.of("name", "schema", "strict", "description").contains(k)) {
                throw ServeError.unsupported("response_format.json_schema." + k, "dro serve does not support"
                        + " 'response_format.json_schema." + k + "'; it takes name, description, schema and strict");
            }
        }
        JsonNode schema = js.get("schema");
        if (schema == null || !schema.isObject() || schema.isEmpty()) {
            throw ServeError.invalid("response_format.json_schema.schema", "'response_format.json_schema.schema'"
                    + " must be a non-empty JSON schema object");
        }
        return ResponseFormat.jsonSchema(schema.toString());
    }

    /** The extension object {@code "dro": {"optimized_prompt": bool, "num_icl": 0..5}}. */
    private static void dro(JsonNode dro, GenerateOptions.Builder o) {
        if (dro == null || dro.isNull()) {
            return;
        }
        if (!dro.isObject()) {
            throw ServeError.invalid("dro", "'dro' must be an object such as {\"optimized_prompt\": false,"
                    + " \"num_icl\": 0}");
        }
        for (Iterator<String> it = dro.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("optimized_prompt") && !f.equals("num_icl")) {
                throw ServeError.unsupported("dro." + f, "'dro." + f + "' is not a DRO setting; the 'dro' object"
                        + " takes optimized_prompt (true/false) and num_icl (0 to 5)");
            }
        }
        JsonNode p = dro.get("optimized_prompt");
        if (p != null && !p.isNull()) {
            if (!p.isBoolean()) {
                throw ServeError.invalid("dro.optimized_prompt", "'dro.optimized_prompt' must be true or false");
            }
            o.optimizedPrompt(p.booleanValue());
        }
        Integer k = integer(dro, "num_icl", "dro.num_icl");
        if (k != null) {
            if (k < 0 || k > 5) {
                throw ServeError.invalid("dro.num_icl", "'dro.num_icl' must be between 0 and 5, but was " + k);
            }
            if (k == 0) {
                o.optimizedIcl(false);
            } else {
                o.optimizedIcl(true).numOptimizedIcl(k);
            }
        }
    }

    private static boolean neutral(String field, JsonNode v) {
        return switch (field) {
            case "logprobs", "store" -> v.isBoolean() && !v.booleanValue();
            case "presence_penalty", "frequency_penalty" -> v.isNumber() && v.doubleValue() == 0;
            default -> true;
        };
    }

    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) {
            throw ServeError.invalid(at, "'" + at + "' is required");
        }
        if (c.isTextual()) {
            return c.textValue();
        }
        if (!c.isArray()) {
            throw ServeError.invalid(at, "'" + at + "' must be a string or an array of text parts");
        }
        List<String> parts = new ArrayList<>();
        for (int j = 0; j < c.size(); j++) {
            JsonNode part = c.get(j);
            String pat = at + "[" + j + "]";
            if (!part.isObject()) {
                throw ServeError.invalid(pat, "'" + pat + "' must be an object");
            }
            String type = text(part, "type", true, pat + ".type");
            if (!type.equals("text")) {
                throw ServeError.unsupported(pat + ".type", "dro serve takes text only, but '" + pat
                        + ".type' was \"" + type + "\"");
            }
            parts.add(text(part, "text", true, pat + ".text"));
        }
        return String.join("\n", parts);
    }

    private static List<String> stop(JsonNode s) {
        if (s == null || s.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.textValue());
        } else if (s.isArray() && s.size() <= 4) {
            for (JsonNode e : s) {
                if (!e.isTextual()) {
                    throw ServeError.invalid("stop", "'stop' must be a string or an array of up to 4 strings");
                }
                out.add(e.textValue());
            }
        } else {
            throw ServeError.invalid("stop", "'stop' must be a string or an array of up to 4 strings");
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ServeError.invalid("stop", "'stop' strings must not be empty");
        }
        return out;
    }

    private static String text(JsonNode o, String field, boolean required) {
        return text(o, field, required, field);
    }

    private static String text(JsonNode o, String field, boolean required, String name) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw ServeError.invalid(name, "'" + name + "' is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw ServeError.invalid(name, "'" + name + "' must be a string, but was " + kind(v));
        }
        return v.textValue();
    }

    private static Double number(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ServeError.invalid(field, "'" + field + "' must be a number, but was " + kind(v));
        }
        return v.doubleValue();
    }

    private static Integer integer(JsonNode o, String field) {
        return integer(o, field, field);
    }

    private static Integer integer(JsonNode o, String field, String name) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ServeError.invalid(name, "'" + name + "' must be an integer of at most 32 bits, but was "
                    + kind(v));
        }
        return v.intValue();
    }

    private static boolean bool(JsonNode o, String field, boolean absent) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return absent;
        }
        if (!v.isBoolean()) {
            throw ServeError.invalid(field, "'" + field + "' must be true or false, but was " + kind(v));
        }
        return v.booleanValue();
    }

    private static String kind(JsonNode v) {
        String s = v.toString();
        return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " "
                + (s.length() > 40 ? s.substring(0, 40) + "..." : s);
    }
}
