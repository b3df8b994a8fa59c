package dro.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The library's one JSON mapper (thread-safe once configured). */
public final class Json {

    /**
     * How deep the JSON dro4j reads and writes may nest: files and replies nest a few levels; JSON nested 100,000 deep
     * fails at once with a {@code StreamConstraintsException} naming this limit, instead of recursing further.
     */
    public static final int MAX_NESTING = 1000;

    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
                    .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(MAX_NESTING).build())
                    .build())
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private static final ObjectWriter COMPACT = MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);

    private Json() { }

    /** {@code value} as JSON on one line (for JSON Lines files). */
    public static String compact(Object value) {
        try {
            return COMPACT.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            // a value built from input nested deeper than JSON may be: the input's fault, not dro4j's
            throw new dro.InvalidRequestException("Cannot write " + value.getClass().getName() + " as JSON: " + e, e);
        } catch (JsonProcessingException e) {
            // only dro4j's own values come here
            throw new IllegalStateException("Cannot write " + value.getClass().getName() + " as JSON: " + e, e);
        }
    }
}
