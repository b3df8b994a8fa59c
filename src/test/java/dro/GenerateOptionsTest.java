package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GenerateOptionsTest {

    @Test
    void defaultsAreTheOriginals() {
        GenerateOptions o = GenerateOptions.DEFAULTS;
        assertNull(o.userSpecifiedSystemPrompt());
        assertTrue(o.optimizedPrompt());
        assertTrue(o.optimizedIcl());
        assertEquals(3, o.numOptimizedIcl());
        assertEquals(0.7, o.temperature());
        assertEquals(0.95, o.topP());
        assertEquals(512, o.maxNewTokens());
        assertEquals(List.of("<END>", "<END", "<|eot_id|>"), o.stop());
    }

    @Test
    void toBuilderDerivesAnEqualCopy() {
        GenerateOptions o = GenerateOptions.builder().temperature(0).seed(4L).stop("x").build();
        assertEquals(o, o.toBuilder().build());
        assertEquals(0.3, o.toBuilder().temperature(0.3).build().temperature());
    }

    @Test
    void rejectsNumOptimizedIclOutsideOneToFive() {
        assertEquals("numOptimizedIcl must be between 1 and 5, but was 6", message(b -> b.numOptimizedIcl(6)));
        assertEquals("numOptimizedIcl must be between 1 and 5, but was 0", message(b -> b.numOptimizedIcl(0)));
    }

    @Test
    void rejectsTemperatureAndTopPOutOfRange() {
        assertEquals("temperature must be between 0.0 and 2.0, but was -0.1", message(b -> b.temperature(-0.1)));
        assertEquals("temperature must be between 0.0 and 2.0, but was NaN", message(b -> b.temperature(Double.NaN)));
        assertEquals("topP must be in (0, 1], but was 0.0", message(b -> b.topP(0)));
        assertEquals("topP must be in (0, 1], but was 1.5", message(b -> b.topP(1.5)));
    }

    @Test
    void rejectsBadLengthsAndStops() {
        assertEquals("maxNewTokens must be positive, but was 0", message(b -> b.maxNewTokens(0)));
        assertEquals("stop strings must not be empty, but were [<END>, ]", message(b -> b.stop("<END>", "")));
        assertEquals("userSpecifiedSystemPrompt must not be empty, but was \" \"",
                message(b -> b.userSpecifiedSystemPrompt(" ")));
    }

    @Test
    void anOptionSetInTheOverridingOptionsWinsAndAnUnsetOneFallsThrough() {
        GenerateOptions model = GenerateOptions.builder().temperature(0.0).maxNewTokens(64).seed(1L)
                .stop(List.of()).build();
        GenerateOptions call = GenerateOptions.builder().maxNewTokens(100).numOptimizedIcl(2).build();
        GenerateOptions merged = model.overrideWith(call);
        assertEquals(0.0, merged.temperature());
        assertEquals(100, merged.maxNewTokens());
        assertEquals(2, merged.numOptimizedIcl());
        assertEquals(1L, merged.seed());
        assertEquals(List.of(), merged.stop());
        assertEquals(0.95, merged.topP());
        assertEquals(GenerateOptions.builder().temperature(0.0).maxNewTokens(100).seed(1L).stop(List.of())
                .numOptimizedIcl(2).build(), merged);
    }

    @Test
    void overridingWithTheDefaultsChangesNothingAndTheDefaultsOverriddenAreTheOverridingOptions() {
        GenerateOptions o = GenerateOptions.builder().temperature(1.2).optimizedIcl(false).build();
        assertEquals(o, o.overrideWith(GenerateOptions.DEFAULTS));
        assertEquals(o, GenerateOptions.DEFAULTS.overrideWith(o));
    }

    @Test
    void anOptionSetToItsDefaultValueStillOverrides() {
        GenerateOptions model = GenerateOptions.builder().temperature(0.0).optimizedPrompt(false).build();
        GenerateOptions call = GenerateOptions.builder().temperature(GenerateOptions.DEFAULT_TEMPERATURE)
                .optimizedPrompt(true).build();
        assertEquals(0.7, model.overrideWith(call).temperature());
        assertTrue(model.overrideWith(call).optimizedPrompt());
        assertNotEquals(GenerateOptions.DEFAULTS, call);
    }

    @Test
    void theChecksAreTheRequestsChecks() {
        String options = message(b -> b.topP(1.5));
        String request = assertThrows(InvalidRequestException.class, () -> dro.backend.ChatModelRequest
                .builder("", "q").topP(1.5).build()).getMessage();
        assertEquals(options, request);
    }

    private static String message(java.util.function.Consumer<GenerateOptions.Builder> change) {
        GenerateOptions.Builder b = GenerateOptions.builder();
        change.accept(b);
        return assertThrows(InvalidRequestException.class, b::build).getMessage();
    }
}
