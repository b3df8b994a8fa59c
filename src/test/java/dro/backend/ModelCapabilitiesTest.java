package dro.backend;

import static dro.backend.ModelCapabilities.Capability.EVALUATED_TOKENS;
import static dro.backend.ModelCapabilities.Capability.JSON_OBJECT;
import static dro.backend.ModelCapabilities.Capability.JSON_SCHEMA;
import static dro.backend.ModelCapabilities.Capability.MULTI_TURN;
import static dro.backend.ModelCapabilities.Capability.NATIVE_N;
import static dro.backend.ModelCapabilities.Capability.RAW_PROMPT;
import static dro.backend.ModelCapabilities.Capability.SEED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import dro.backend.ModelCapabilities.Capability;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelCapabilitiesTest {

    @Test
    void capabilitiesAreANamedSetWithAnyNumberOfStopStringsUnlessLimited() {
        ModelCapabilities c = ModelCapabilities.of(JSON_OBJECT, SEED);
        assertEquals(EnumSet.of(JSON_OBJECT, SEED), c.supported());
        assertTrue(c.supports(SEED));
        assertFalse(c.supports(NATIVE_N));
        assertEquals(Integer.MAX_VALUE, c.maxStopStrings());
        assertEquals(4, c.withMaxStopStrings(4).maxStopStrings());
        assertEquals(c, ModelCapabilities.of(EnumSet.of(SEED, JSON_OBJECT)), "equal sets, equal capabilities");
        assertEquals(Set.of(), ModelCapabilities.NONE.supported());
    }

    @Test
    void withAndWithoutDeriveNewCapabilitiesAndLeaveTheOriginal() {
        ModelCapabilities c = ModelCapabilities.of(SEED);
        assertEquals(EnumSet.of(SEED, RAW_PROMPT), c.with(RAW_PROMPT).supported());
        assertEquals(EnumSet.of(SEED, EVALUATED_TOKENS), c.with(EVALUATED_TOKENS, true).supported());
        assertEquals(EnumSet.of(SEED), c.with(EVALUATED_TOKENS, false).supported());
        assertEquals(EnumSet.noneOf(Capability.class), c.without(SEED).supported());
        assertEquals(EnumSet.of(SEED), c.supported());
    }

    @Test
    void theSetIsACopyThatCannotBeChanged() {
        Set<Capability> given = new HashSet<>(Set.of(MULTI_TURN));
        ModelCapabilities c = ModelCapabilities.of(given);
        given.add(JSON_SCHEMA);
        assertEquals(EnumSet.of(MULTI_TURN), c.supported());
        assertThrows(UnsupportedOperationException.class, () -> c.supported().add(NATIVE_N));
    }

    @Test
    void whatTwoModelsBothSupportIsTheCommonSetAndTheSmallerStopLimit() {
        ModelCapabilities a = ModelCapabilities.of(NATIVE_N, JSON_OBJECT, SEED).withMaxStopStrings(4);
        ModelCapabilities b = ModelCapabilities.of(JSON_OBJECT, SEED, RAW_PROMPT);
        assertEquals(ModelCapabilities.of(JSON_OBJECT, SEED).withMaxStopStrings(4), a.intersect(b));
        assertEquals(a.intersect(b), b.intersect(a));
    }

    @Test
    void aNegativeStopLimitIsRefusedNamingIt() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> ModelCapabilities.of(SEED).withMaxStopStrings(-1));
        assertEquals("maxStopStrings must be 0 or more, but was -1", e.getMessage());
    }
}
