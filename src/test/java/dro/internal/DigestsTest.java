package dro.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class DigestsTest {

    // FIPS 180-2's test vector for "abc"
    static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void hashesTextBytesAndIncrementalInputToTheStandardValue() {
        assertEquals(ABC, Digests.sha256Hex("abc"));
        assertEquals(ABC, Digests.sha256Hex("abc".getBytes(StandardCharsets.US_ASCII)));
        MessageDigest d = Digests.sha256();
        d.update((byte) 'a');
        d.update("bc".getBytes(StandardCharsets.US_ASCII));
        assertEquals(ABC, Digests.hex(d));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digests.sha256Hex(""));
    }

    @Test
    void recognisesOnlySixtyFourLowerCaseHexDigits() {
        assertTrue(Digests.isSha256Hex(ABC));
        assertFalse(Digests.isSha256Hex(ABC.toUpperCase()));
        assertFalse(Digests.isSha256Hex(ABC.substring(1)));
        assertFalse(Digests.isSha256Hex(null));
    }
}
