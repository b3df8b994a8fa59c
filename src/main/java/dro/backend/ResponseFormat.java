package dro.backend;

/**
 * The form a reply must take: free text, one JSON object, or JSON that follows a schema.
 *
 * @param type   the kind of format
 * @param schema the JSON schema (JSON text) for {@link Type#JSON_SCHEMA}, else null
 */
public record ResponseFormat(Type type, String schema) {

    /** The kinds of format. */
    public enum Type { TEXT, JSON_OBJECT, JSON_SCHEMA }

    /** Free text (the default). */
    public static final ResponseFormat TEXT = new ResponseFormat(Type.TEXT, null);

    /** One JSON object. */
    public static final ResponseFormat JSON_OBJECT = new ResponseFormat(Type.JSON_OBJECT, null);

    public ResponseFormat {
        if (type == null) {
            throw new dro.InvalidRequestException("type must not be null");
        }
        if ((type == Type.JSON_SCHEMA) != (schema != null && !schema.isBlank())) {
            throw new dro.InvalidRequestException("a schema goes with JSON_SCHEMA and only with it, but the type was "
                    + type + " and the schema " + (schema == null ? "null" : "\"" + schema + "\""));
        }
    }

    /** JSON that follows {@code schema} (a JSON schema as JSON text). */
    public static ResponseFormat jsonSchema(String schema) {
        return new ResponseFormat(Type.JSON_SCHEMA, schema);
    }
}
