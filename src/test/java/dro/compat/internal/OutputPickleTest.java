package dro.compat.internal;

import dro.compat.internal.AspectScore;
import dro.compat.ArtifactException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.PickleBytes;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** output.pkl shapes made by hand, so that these run without the original's files too. */
class OutputPickleTest {

    static final String BEAM = "reasoner.search_algo.beam_search";

    static PickleBytes subResult(PickleBytes p, String system, String query, String score) {
        return p.stackGlobal("prompt_align.world_model", "SubResult").mark()
                .str(system).str("# Query:\nq\n\n# Answer:\n<START>\na\n<END>").str(query).str("out")
                .op('}').mark().str("Safety").op('}').mark().str("rationale").str("fine").str("score").str(score)
                .op('u').op('u')
                .op('t').op(0x81);
    }

    static PickleBytes node(PickleBytes p) {
        return p.stackGlobal(BEAM, "BeamSearchNode").op(')').op(0x81);
    }

    /** A root (node 0) with one child (node 1, the terminal node), as Python pickles it: terminal node first. */
    static byte[] twoNodeSearch() {
        PickleBytes p = PickleBytes.proto(4).stackGlobal(BEAM, "BeamSearchResult").mark();
        node(p).memoize(); // memo 0: the child
        p.op('}').mark().str("id").binint1(1).str("state").op(']').mark();
        subResult(p, "You are a helpful assistant.", "q0", "3").memoize(); // memo 1
        subResult(p, "Be careful.", "q1", "5").memoize(); // memo 2
        p.op('e').str("action").str("Be careful.").str("reward").binfloat(5.0).str("parent");
        node(p).memoize(); // memo 3: the root
        p.op('}').mark().str("id").binint1(0).str("state").op(']').op('h').raw(1).op('a')
                .str("action").op('N').str("reward").binint1(0).str("parent").op('N')
                .str("children").op(']').op('h').raw(0).op('a').op('u').op('b');
        p.str("children").op(']').op('u').op('b');
        p.binfloat(4.0).op('h').raw(3);
        p.op(']').mark()
                .op('N').op(']').op('h').raw(1).op('a').binint1(0).op(0x87)
                .str("Be careful.").op(']').mark().op('h').raw(1).op('h').raw(2).op('e').binfloat(5.0).op(0x87)
                .op('e');
        return p.op('t').op(0x81).stop().bytes();
    }

    @Test
    void readsTheWholeSearchWithLinksAndSharedSteps() {
        BeamSearchResult r = assertInstanceOf(BeamSearchResult.class, OutputPickle.parse(twoNodeSearch(), "t.pkl"));

        assertEquals("Be careful.", r.optimizedPrompt());
        assertEquals(4.0, r.cumReward());
        SearchNode root = r.tree();
        SearchNode leaf = r.terminalNode();
        assertEquals(0, root.id());
        assertEquals(List.of(leaf), root.children());
        assertSame(root, leaf.parent().orElseThrow());
        assertEquals(Optional.empty(), root.action());
        assertEquals(Optional.of("Be careful."), leaf.action());
        assertEquals(5.0, leaf.reward());
        assertSame(root.state().get(0), leaf.state().get(0));
        assertEquals(List.of(root, leaf), r.terminalPath());
        assertEquals(List.of(root, leaf), r.nodes());
        assertEquals(1, leaf.depth());
        assertTrue(leaf.isLeaf());

        SubResult s = leaf.lastStep().orElseThrow();
        assertEquals("q1", s.query());
        assertEquals(Map.of("Safety", new AspectScore("fine", "5")), s.evalDict());
        assertEquals(5.0, s.reward());
        assertEquals(3.0, root.state().get(0).reward());

        assertEquals(2, r.trace().size());
        assertEquals(Optional.empty(), r.trace().get(0).action());
        assertEquals(List.of(root.state().get(0)), r.trace().get(0).state());
        assertEquals(new TraceStep(Optional.of("Be careful."), leaf.state(), 5.0), r.trace().get(1));
    }

    @Test
    void aBareStringIsThePromptItself() {
        TrainingOutput out = OutputPickle.parse(PickleBytes.proto(4).str("Be kind.").memoize().stop().bytes(), "b.pkl");
        assertEquals(new TrainingOutput.PromptOnly("Be kind."), out);
        assertEquals("Be kind.", out.optimizedPrompt());
    }

    @Test
    void otherShapesAreRejectedNamingWhatIsWrong() {
        ArtifactException dict = assertThrows(ArtifactException.class,
                () -> OutputPickle.parse(PickleBytes.proto(4).op('}').stop().bytes(), "d.pkl"));
        assertEquals("Pickle d.pkl is not an original DRO result: the pickled result is a dict, expected"
                + " reasoner.search_algo.beam_search.BeamSearchResult", dict.getMessage());

        byte[] short3 = PickleBytes.proto(4).stackGlobal(BEAM, "BeamSearchResult").mark().op('N').op('N').op('N')
                .op('t').op(0x81).stop().bytes();
        ArtifactException fields = assertThrows(ArtifactException.class, () -> OutputPickle.parse(short3, "s.pkl"));
        assertEquals("Pickle s.pkl is not an original DRO result: BeamSearchResult has 3 fields, expected 4",
                fields.getMessage());
    }

    @Test
    void aTruncatedOutputPickleFailsClearly() {
        byte[] whole = twoNodeSearch();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length / 2);
        ArtifactException e = assertThrows(ArtifactException.class, () -> OutputPickle.parse(cut, "half.pkl"));
        assertTrue(e.getMessage().startsWith("Truncated pickle half.pkl: the data ends at byte " + cut.length),
                e.getMessage());
    }
}
