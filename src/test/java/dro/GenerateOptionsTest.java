package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        assertEquals("stop strings must not be empty, but stop was [<END>, ]", message(b -> b.stop("<END>", "")));
        assertEquals("userSpecifiedSystemPrompt must not be empty, but was \" \"",
                message(b -> b.userSpecifiedSystemPrompt(" ")));
    }

    private static String message(java.util.function.Consumer<GenerateOptions.Builder> change) {
        GenerateOptions.Builder b = GenerateOptions.builder();
        change.accept(b);
        return assertThrows(InvalidRequestException.class, b::build).getMessage();
    }
}
