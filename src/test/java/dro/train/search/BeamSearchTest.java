package dro.train.search;

import dro.train.search.SearchSpace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dro.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The beam search loop on scripted search spaces: states are strings of actions taken, e.g. "ab". */
class BeamSearchTest {

    /** A scripted space: actions and rewards are functions of the path string. */
    static final class Scripted implements SearchSpace<String, String> {
        final Function<String, List<String>> actions;
        final Function<String, Double> reward;
        final Function<String, Boolean> extend;
        final int maxLength;
        final List<String> expanded = new ArrayList<>();

        Scripted(Function<String, List<String>> actions, Function<String, Double> reward,
                 Function<String, Boolean> extend, int maxLength) {
            this.actions = actions;
            this.reward = reward;
            this.extend = extend;
            this.maxLength = maxLength;
        }

        @Override
        public String init() {
            return "";
        }

        @Override
        public List<Actions<String>> actions(List<String> states) {
            expanded.addAll(states);
            return states.stream().map(s -> new Actions<>(actions.apply(s), extend.apply(s))).toList();
        }

        @Override
        public List<String> step(List<Transition<String, String>> transitions) {
            return transitions.stream().map(t -> t.state() + t.action()).toList();
        }

        @Override
        public double reward(String state) {
            return reward.apply(state);
        }

        @Override
        public boolean isTerminal(String state, int depthLimit) {
            return state.length() + 1 >= depthLimit || state.length() >= maxLength; // the root is step 1
        }
    }

    private static Function<String, Double> table(Map<String, Double> rewards) {
        return s -> rewards.getOrDefault(s, 0.0);
    }

    @Test
    void keepsTheBestBeamSizeChildrenByMeanPathReward() {
        // level 1: a=1, b=5, c=3 ; level 2 from b and c
        Scripted space = new Scripted(s -> List.of("a", "b", "c"), table(Map.of(
                "a", 1.0, "b", 5.0, "c", 3.0,
                "ba", 1.0, "bb", 1.0, "bc", 1.0,
                "ca", 5.0, "cb", 4.0, "cc", 2.0)), s -> false, 10);

        BeamSearch.Result<String, String> r = new BeamSearch(2, 3, 0).run(space);

        assertEquals(List.of("", "b", "c"), space.expanded, "a (reward 1) was pruned");
        assertEquals("ca", r.terminal().state(), "mean 4.0 beats b's children (mean 3.0)");
        assertEquals(4.0, r.score());
        assertEquals(List.of(3.0, 5.0), r.terminal().rewards());
        assertEquals(10, r.nodes(), "root + 3 children + 2 x 3 grandchildren");
    }

    @Test
    void beamOfOneRanksByTheLastRewardOnly() {
        Scripted space = new Scripted(s -> List.of("a", "b"), table(Map.of(
                "a", 5.0, "b", 1.0, "aa", 2.0, "ab", 3.0)), s -> false, 10);
        BeamSearch.Result<String, String> r = new BeamSearch(1, 3, 0).run(space);
        assertEquals("ab", r.terminal().state());
        assertEquals(3.0, r.score(), "the last reward, not the mean (4.0)");
    }

    @Test
    void tiesKeepCreationOrder() {
        Scripted space = new Scripted(s -> List.of("x", "y", "z"), s -> 2.0, s -> false, 10);
        BeamSearch.Result<String, String> r = new BeamSearch(2, 3, 0).run(space);
        assertEquals(List.of("", "x", "y"), space.expanded);
        assertEquals("xx", r.terminal().state());
    }

    @Test
    void aLevelThatAsksForItExtendsTheDepthOnceUpToTheMaximum() {
        // every state asks for an extension: depth 2 + at most 3 extensions = paths of 5 steps (root included)
        Scripted space = new Scripted(s -> List.of("a"), s -> 4.0, s -> true, 100);
        BeamSearch.Result<String, String> r = new BeamSearch(2, 2, 3).run(space);
        assertEquals(5, r.depthLimit());
        assertEquals("aaaa", r.terminal().state());
    }

    @Test
    void extensionsCountLevelsNotStates() {
        // two beam items both ask in the same level: one extension for that level
        List<Integer> seen = new ArrayList<>();
        Scripted space = new Scripted(s -> s.isEmpty() ? List.of("a", "b") : List.of("c"), s -> 3.0,
                s -> s.length() == 1, 100);
        BeamSearch.Result<String, String> r = new BeamSearch(2, 3, 10).run(space, e -> seen.add(e.depthLimit()));
        assertEquals(List.of(3, 4, 4), seen);
        assertEquals(4, r.terminal().state().length() + 1);
    }

    @Test
    void exhaustedDataEndsThePath() {
        Scripted space = new Scripted(s -> List.of("a"), s -> 1.0, s -> false, 2);
        BeamSearch.Result<String, String> r = new BeamSearch(2, 50, 0).run(space);
        assertEquals("aa", r.terminal().state());
    }

    @Test
    void theRootAloneIsTheAnswerWhenDepthIsOne() {
        Scripted space = new Scripted(s -> List.of("a"), s -> 1.0, s -> false, 10);
        BeamSearch.Result<String, String> r = new BeamSearch(2, 1, 0).run(space);
        assertEquals("", r.terminal().state());
        assertEquals(List.of(), space.expanded);
    }

    @Test
    void rejectsImpossibleSettings() {
        assertEquals("beamSize must be at least 1, but was 0",
                assertThrows(InvalidRequestException.class, () -> new BeamSearch(0, 1, 0)).getMessage());
        assertEquals("depth must be at least 1, but was 0",
                assertThrows(InvalidRequestException.class, () -> new BeamSearch(1, 0, 0)).getMessage());
    }
}
