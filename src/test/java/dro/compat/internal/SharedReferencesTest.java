package dro.compat.internal;

import dro.compat.ArtifactException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.PickleBytes;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Work bounded by the bytes read (issue 22): pickles whose memo references multiply what a walk of the result meets
 * are refused with an {@link ArtifactException} naming the sharing, before anything walks them. The timeouts only
 * guard against a hang: each of these tests ends at once when the reader refuses.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedReferencesTest {

    final SafeUnpickler unpickler = SafeUnpickler.forDro();

    /** l0 = []; l(i) = [l(i-1), l(i-1)] for i up to {@code depth}, each memoised under its i: 2^depth paths. */
    static byte[] doublingLists(int depth) {
        PickleBytes p = PickleBytes.proto(4).op(']').memoize().op('0');
        for (int i = 1; i <= depth; i++) {
            p.op(']').memoize().mark().op('h').raw(i - 1).op('h').raw(i - 1).op('e').op('0');
        }
        return p.op('h').raw(depth).stop().bytes();
    }

    @Test
    void aPickleOfFewBytesWhoseMemoMakesTwoToTheFortyPathsIsRefusedNamingTheSharing() {
        byte[] pickle = doublingLists(40);
        assertTrue(pickle.length < 400, pickle.length + " bytes");

        ArtifactException e = assertThrows(ArtifactException.class, () -> unpickler.load(pickle, "paths.pkl"));

        assertEquals("Malformed pickle paths.pkl: its values make more than " + (16L * pickle.length + 4096)
                + " values to walk from " + pickle.length + " bytes (dro4j reads at most 16 per byte, plus 4096): its"
                + " memo references share lists, tuples, dicts or sets many times over at byte " + (pickle.length - 1)
                + " (STOP)", e.getMessage());
        assertThrows(ArtifactException.class, () -> OutputPickle.parse(pickle, "output.pkl"));
    }

    @Test
    void aFewSharedListsAreReadAsBeforeAndStayShared() {
        List<?> top = assertInstanceOf(List.class, unpickler.load(doublingLists(5), "five.pkl"));
        assertEquals(2, top.size());
        assertTrue(top.get(0) == top.get(1));
        assertEquals("[[[[[[], []], [[], []]], [[[], []], [[], []]]], [[[[], []], [[], []]], [[[], []], [[], []]]]],"
                + " [[[[[], []], [[], []]], [[[], []], [[], []]]], [[[[], []], [[], []]], [[[], []], [[], []]]]]]",
                top.toString());
    }

    @Test
    void aDictKeyOfTuplesThatShareTuplesIsRefusedBeforeItIsHashed() {
        // t0 = (); t(i) = (t(i-1), t(i-1)); {t30: None}: 2^30 paths, within the 32 levels a key may nest
        PickleBytes p = PickleBytes.proto(4).op(')').memoize().op('0');
        for (int i = 1; i <= 30; i++) {
            p.op('h').raw(i - 1).op('h').raw(i - 1).op(0x86).memoize().op('0');
        }
        byte[] pickle = p.op('}').op('h').raw(30).op('N').op('s').stop().bytes();

        ArtifactException e = assertThrows(ArtifactException.class, () -> unpickler.load(pickle, "key.pkl"));
        assertTrue(e.getMessage().startsWith("Malformed pickle key.pkl: a dict key or set member of more than 1000"
                + " values at byte "), e.getMessage());
    }

    @Test
    void aListThatContainsItselfIsRefused() {
        byte[] pickle = PickleBytes.proto(4).op(']').memoize().op('h').raw(0).op('a').stop().bytes();
        ArtifactException e = assertThrows(ArtifactException.class, () -> unpickler.load(pickle, "self.pkl"));
        assertEquals("Malformed pickle self.pkl: a list that contains itself (dro4j reads no such cycle) at byte 7"
                + " (STOP)", e.getMessage());
    }

    @Test
    void listsNestedOneHundredThousandDeepAreRefusedWithoutOverflowingTheStack() {
        PickleBytes p = PickleBytes.proto(4);
        for (int i = 0; i < 100_000; i++) {
            p.op(']');
        }
        for (int i = 1; i < 100_000; i++) {
            p.op('a');
        }
        byte[] pickle = p.stop().bytes();
        ArtifactException e = assertThrows(ArtifactException.class, () -> unpickler.load(pickle, "deep.pkl"));
        assertEquals("Malformed pickle deep.pkl: lists, tuples, dicts or sets nested more than 100 deep at byte "
                + (pickle.length - 1) + " (STOP)", e.getMessage());
    }

    @Test
    void copyingALongListAgainAndAgainCountsAsWorkAndIsRefused() {
        // l = [0] * 2000 (memo 0); then list(l) 5000 times, each popped
        PickleBytes p = PickleBytes.proto(4).op(']').memoize().mark();
        for (int i = 0; i < 2000; i++) {
            p.binint1(0);
        }
        p.op('e').op('0');
        for (int i = 0; i < 5000; i++) {
            p.global("builtins", "list").op('h').raw(0).op(0x85).op('R').op('0');
        }
        byte[] pickle = p.op('N').stop().bytes();
        ArtifactException e = assertThrows(ArtifactException.class, () -> unpickler.load(pickle, "copies.pkl"));
        assertTrue(e.getMessage().startsWith("Malformed pickle copies.pkl: its copies and dict keys make more than "),
                e.getMessage());
    }

    @Test
    void anIntegerOfMoreThan4096BytesIsRefused() {
        PickleBytes p = PickleBytes.proto(4).op(0x8b).le32(5000);
        for (int i = 0; i < 5000; i++) {
            p.raw(1);
        }
        ArtifactException e = assertThrows(ArtifactException.class, () -> unpickler.load(p.stop().bytes(), "n.pkl"));
        assertEquals("Malformed pickle n.pkl: an integer of 5000 bytes (dro4j reads integers of up to 4096 bytes) at"
                + " byte 2 (LONG4)", e.getMessage());
    }

    @Test
    void anObjectWithManyAttributesPrintsShortlyHoweverOftenItIsReferenced() {
        PickleBytes p = PickleBytes.proto(4).op(']').mark();
        p.stackGlobal(OutputPickleTest.BEAM, "BeamSearchNode").op(')').op(0x81).op('}').mark();
        for (int i = 0; i < 20; i++) {
            p.str("a" + i).op('N');
        }
        p.op('u').op('b').memoize();
        for (int i = 0; i < 3; i++) {
            p.op('h').raw(0);
        }
        List<?> l = assertInstanceOf(List.class, unpickler.load(p.op('e').stop().bytes(), "objects.pkl"));
        assertEquals("reasoner.search_algo.beam_search.BeamSearchNode(0 args, attributes [a0, a1, a2, a3, a4, a5, a6,"
                + " a7, ... (20 in all)])", l.get(0).toString());
        assertEquals(4, l.size());
    }

    /**
     * Two nodes, memo 0 and 1, linked as given ({@code -1}: None): the root's parent and children, the other's
     * parent; the result's terminal and tree nodes.
     */
    static byte[] twoNodes(int rootParent, int[] rootChildren, int childParent, int terminal, int tree) {
        PickleBytes p = PickleBytes.proto(4);
        OutputPickleTest.node(p).memoize().op('0');
        OutputPickleTest.node(p).memoize().op('0');
        int[][] children = {rootChildren, {}};
        int[] parents = {rootParent, childParent};
        for (int n = 0; n < 2; n++) {
            p.op('h').raw(n).op('}').mark().str("id").binint1(n).str("state").op(']').str("action").op('N')
                    .str("reward").binint1(0).str("parent");
            ref(p, parents[n]).str("children").op(']').mark();
            for (int c : children[n]) {
                ref(p, c);
            }
            p.op('e').op('u').op('b').op('0');
        }
        p.stackGlobal(OutputPickleTest.BEAM, "BeamSearchResult").mark();
        ref(p, terminal).binfloat(1.0);
        ref(p, tree).op('N').op('t').op(0x81);
        return p.stop().bytes();
    }

    private static PickleBytes ref(PickleBytes p, int memo) {
        return memo < 0 ? p.op('N') : p.op('h').raw(memo);
    }

    @Test
    void aSearchTreeWhoseNodeListsAChildTwiceIsRefused() {
        // walked as a tree, a child listed twice doubles everything below it, level after level
        ArtifactException e = assertThrows(ArtifactException.class,
                () -> OutputPickle.parse(twoNodes(-1, new int[] {1, 1}, 0, 1, 0), "twice.pkl"));
        assertEquals("Pickle twice.pkl is not an original DRO result: node 0 lists node 1 as a child twice",
                e.getMessage());
    }

    @Test
    void aSearchTreeWhoseRootHasAParentIsRefused() {
        // root 0 -> 1 -> 0: consistent links, but walking down from the root would never end
        ArtifactException e = assertThrows(ArtifactException.class,
                () -> OutputPickle.parse(twoNodes(1, new int[] {1}, 0, 1, 0), "cycle.pkl"));
        assertEquals("Pickle cycle.pkl is not an original DRO result: the tree's root (node 0) has a parent",
                e.getMessage());
    }

    @Test
    void aTerminalNodeOutsideTheTreeIsRefused() {
        ArtifactException e = assertThrows(ArtifactException.class,
                () -> OutputPickle.parse(twoNodes(-1, new int[] {}, -1, 1, 0), "apart.pkl"));
        assertEquals("Pickle apart.pkl is not an original DRO result: node 1 is not in the tree below the root"
                + " (node 0)", e.getMessage());
    }

    @Test
    void theTwoNodeTreeItselfReads() {
        BeamSearchResult r = assertInstanceOf(BeamSearchResult.class,
                OutputPickle.parse(twoNodes(-1, new int[] {1}, 0, 1, 0), "ok.pkl"));
        assertEquals(List.of(0, 1), r.nodes().stream().map(SearchNode::id).toList());
    }
}
