package dro.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dro.GenerateOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A request body read into a query and the options it sets over the served model's own default options (there is
 * no second set of defaults in the server), its {@code n} and the caps.
 */
class ChatCompletionRequestTest {

    static final GenerateOptions MODEL_DEFAULTS = GenerateOptions.builder().maxNewTokens(33).seed(3L)
            .stop(List.of("ZZ")).build();

    static ChatCompletionRequest read(String body, Function<String, GenerateOptions> defaults) {
        return ChatCompletionRequest.read(body.getBytes(StandardCharsets.UTF_8), defaults, 4096, 8);
    }

    static String body(String extra) {
        return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Why?\"}]" + extra + "}";
    }

    @Test
    void theOptionsHoldOnlyWhatTheRequestSetsSoThatTheModelsDefaultsFallThrough() {
        ChatCompletionRequest r = read(body(",\"temperature\":0.2"), m -> MODEL_DEFAULTS);
        GenerateOptions resolved = MODEL_DEFAULTS.overrideWith(r.options());
        assertEquals(0.2, resolved.temperature());
        assertEquals(33, resolved.maxNewTokens());
        assertEquals(3L, resolved.seed());
        assertEquals(List.of("ZZ"), resolved.stop());
        assertNull(r.options().seed());
        assertEquals(1, r.n());
    }

    @Test
    void theRequestsStopStringsAreAddedToTheModelsOwn() {
        ChatCompletionRequest r = read(body(",\"stop\":[\"S\",\"ZZ\"]"), m -> MODEL_DEFAULTS);
        assertEquals(List.of("ZZ", "S"), MODEL_DEFAULTS.overrideWith(r.options()).stop());
    }

    @Test
    void aModelDefaultAboveTheServersTokenCapIsCapped() {
        GenerateOptions big = GenerateOptions.builder().maxNewTokens(5000).build();
        assertEquals(4096, big.overrideWith(read(body(""), m -> big).options()).maxNewTokens());
        assertEquals(10, big.overrideWith(read(body(",\"max_tokens\":10"), m -> big).options()).maxNewTokens());
    }

    @Test
    void theDefaultsAreAskedForTheNamedModelOnlyOnceEveryFieldIsChecked() {
        ServeError notServed = new ServeError(404, "invalid_request_error", "model", "model_not_found", "not here", -1);
        assertEquals(404, assertThrows(ServeError.class, () -> read(body(""), m -> {
            throw notServed;
        })).status);
        assertEquals("top_p", assertThrows(ServeError.class, () -> read(body(",\"top_p\":7"), m -> {
            throw notServed;
        })).param);
    }

    @Test
    void nIsReadUpToTheCapAndAboveItIsA400NamingN() {
        assertEquals(8, read(body(",\"n\":8"), m -> MODEL_DEFAULTS).n());
        ServeError e = assertThrows(ServeError.class, () -> read(body(",\"n\":9"), m -> MODEL_DEFAULTS));
        assertEquals(400, e.status);
        assertEquals("n", e.param);
        assertEquals("'n' must be between 1 and 8 (this server's cap), but was 9", e.getMessage());
        assertEquals("n", assertThrows(ServeError.class, () -> read(body(",\"n\":0"), m -> MODEL_DEFAULTS)).param);
        assertEquals("n", assertThrows(ServeError.class, () -> read(body(",\"n\":2.5"), m -> MODEL_DEFAULTS)).param);
    }

    @Test
    void bytesThatAreNotOneJsonObjectAre400s() {
        assertEquals("The request body is empty; send a JSON object", assertThrows(ServeError.class,
                () -> read("", m -> MODEL_DEFAULTS)).getMessage());
        assertEquals("The request body must be a JSON object", assertThrows(ServeError.class,
                () -> read("[1]", m -> MODEL_DEFAULTS)).getMessage());
        assertEquals(400, assertThrows(ServeError.class, () -> read(body("") + " {}", m -> MODEL_DEFAULTS)).status);
    }
}
