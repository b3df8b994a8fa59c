package dro.compat.internal;

import dro.compat.UnsafePickleException;
import dro.compat.ArtifactException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dro.testing.PickleBytes;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SafeUnpicklerTest {

    final SafeUnpickler unpickler = SafeUnpickler.forDro();

    Object load(PickleBytes p) {
        return unpickler.load(p.bytes(), "test.pkl");
    }

    @Test
    void readsPlainValues() {
        // [None, True, False, 7, 2.5, "x", b"ab", (1, 2), {"k": [3]}, 2**70]
        PickleBytes p = PickleBytes.proto(4).op(']').mark()
                .op('N').op(0x88).op(0x89).binint1(7).binfloat(2.5).str("x")
                .op('C').raw(2, 'a', 'b')
                .binint1(1).binint1(2).op(0x86)
                .op('}').str("k").op(']').binint1(3).op('a').op('s')
                .op(0x8a).raw(9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40)
                .op('e').stop();
        List<?> v = (List<?>) load(p);

        assertEquals(10, v.size());
        assertNull(v.get(0));
        assertEquals(true, v.get(1));
        assertEquals(false, v.get(2));
        assertEquals(7L, v.get(3));
        assertEquals(2.5, v.get(4));
        assertEquals("x", v.get(5));
        assertEquals("[97, 98]", Arrays.toString((byte[]) v.get(6)));
        assertEquals(List.of(1L, 2L), v.get(7));
        assertEquals(Map.of("k", List.of(3L)), v.get(8));
        assertEquals(BigInteger.TWO.pow(70), v.get(9));
    }

    @Test
    void readsABareString() {
        Object v = load(PickleBytes.proto(4).op(0x95).raw(12, 0, 0, 0, 0, 0, 0, 0)
                .str("Be helpful.").memoize().stop());
        assertEquals("Be helpful.", v);
    }

    @Test
    void keepsSharedReferencesShared() {
        // l = []; [l, l]
        Object v = load(PickleBytes.proto(4).op(']').memoize().op('h').raw(0).op(0x86).stop());
        List<?> pair = (List<?>) v;
        assertSame(pair.get(0), pair.get(1));
    }

    @Test
    void buildsAnAllowedNamedTupleAsPlainData() {
        PickleBytes p = PickleBytes.proto(4)
                .stackGlobal("prompt_align.world_model", "SubResult")
                .mark().str("sys").str("icl").str("q").str("out").op('}').op('t').op(0x81).stop();
        PyObject o = assertInstanceOf(PyObject.class, load(p));
        assertEquals("prompt_align.world_model.SubResult", o.type().qualifiedName());
        assertEquals(List.of("sys", "icl", "q", "out", Map.of()), o.args());
    }

    @Test
    void readsAnOrderedDictAndASet() {
        PickleBytes p = PickleBytes.proto(2).op(']')
                .global("collections", "OrderedDict").op(')').op('R').mark().str("b").binint1(1).str("a")
                .binint1(2).op('u').op('a')
                .global("builtins", "set").op(']').mark().binint1(5).binint1(6).op('e').op(0x85).op('R').op('a')
                .stop();
        List<?> v = (List<?>) load(p);
        assertEquals(List.of("b", "a"), List.copyOf(((Map<?, ?>) v.get(0)).keySet()));
        assertEquals(Set.of(5L, 6L), v.get(1));
    }

    @Test
    void rejectsPosixSystemWithoutRunningAnything() {
        // the classic: os.system("touch pwned") as GLOBAL + REDUCE
        byte[] hostile = PickleBytes.proto(2).global("posix", "system").str("touch pwned").op(0x85).op('R')
                .stop().bytes();
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> unpickler.load(hostile, "evil.pkl"));
        assertEquals("posix.system", e.global());
        assertEquals("Pickle evil.pkl refers to posix.system (byte 2), which is not allowed: dro4j reads pickles as"
                + " plain data and accepts only the original DRO's result classes and basic containers", e.getMessage());
    }

    @Test
    void rejectsEvalAndOsSystemNamedByStackGlobal() {
        for (String[] g : new String[][] {{"builtins", "eval"}, {"os", "system"}, {"subprocess", "Popen"},
                {"builtins", "getattr"}, {"reasoner.search_algo.beam_search", "os"}}) {
            byte[] b = PickleBytes.proto(4).stackGlobal(g[0], g[1]).str("x").op(0x85).op('R').stop().bytes();
            UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> unpickler.load(b, "x.pkl"));
            assertEquals(g[0] + "." + g[1], e.global());
        }
    }

    @Test
    void rejectsATruncatedPickleNamingWhereItEnds() {
        byte[] whole = PickleBytes.proto(4).str("a long enough string").stop().bytes();
        byte[] cut = Arrays.copyOf(whole, 10);
        ArtifactException e = assertThrows(ArtifactException.class, () -> unpickler.load(cut, "cut.pkl"));
        assertEquals("Truncated pickle cut.pkl: the data ends at byte 10 inside SHORT_BINUNICODE (at byte 2)"
                + " (20 bytes announced, 6 left)", e.getMessage());

        byte[] noStop = Arrays.copyOf(whole, whole.length - 1);
        ArtifactException e2 = assertThrows(ArtifactException.class, () -> unpickler.load(noStop, "nostop.pkl"));
        assertEquals("Truncated pickle nostop.pkl: the data ends at byte 24 before the STOP opcode", e2.getMessage());
    }

    @Test
    void rejectsHugeLengthsWithoutAllocating() {
        byte[] b = PickleBytes.proto(4).op(0x8d).raw(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f).stop().bytes();
        ArtifactException e = assertThrows(ArtifactException.class, () -> unpickler.load(b, "big.pkl"));
        assertEquals("Truncated pickle big.pkl: the data ends at byte 12 inside BINUNICODE8 (at byte 2)"
                + " (9223372036854775807 bytes announced, 1 left)", e.getMessage());
    }

    @Test
    void rejectsUnsupportedAndMalformedInput() {
        ArtifactException persid = assertThrows(ArtifactException.class,
                () -> unpickler.load(PickleBytes.proto(2).op('P').stop().bytes(), "p.pkl"));
        assertEquals("Pickle p.pkl uses opcode PERSID (0x50) at byte 2, which dro4j does not support",
                persid.getMessage());

        ArtifactException empty = assertThrows(ArtifactException.class,
                () -> unpickler.load(PickleBytes.proto(2).op('a').stop().bytes(), "m.pkl"));
        assertEquals("Malformed pickle m.pkl: the stack is empty at byte 2 (APPEND)", empty.getMessage());

        ArtifactException unhashable = assertThrows(ArtifactException.class, () -> unpickler.load(
                PickleBytes.proto(2).op('}').op(']').binint1(1).op('s').stop().bytes(), "k.pkl"));
        assertEquals("Malformed pickle k.pkl: an unhashable list as a dict key or set member at byte 6 (SETITEM)",
                unhashable.getMessage());
    }

    @Test
    void rejectsCallingAValueThatIsNotAClass() {
        byte[] b = PickleBytes.proto(2).str("not a class").op(')').op('R').stop().bytes();
        ArtifactException e = assertThrows(ArtifactException.class, () -> unpickler.load(b, "r.pkl"));
        assertEquals("Malformed pickle r.pkl: REDUCE on a string, not a class at byte 16 (REDUCE)", e.getMessage());
    }
}
