package dro.train.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.InvalidRequestException;
import dro.train.icl.IclAnswers;
import dro.internal.Json;
import dro.roles.AspectScore;
import dro.roles.AspectSelection;
import dro.roles.Evaluation;
import dro.roles.internal.Roles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rewrite loop of ICL optimisation, with scripted in-process roles. */
class AnswerRefinerTest {

    static final List<String> ASPECTS = List.of("Helpfulness", "Clarity", "Depth");

    static final Roles.Metrics SELECTOR = (query, site) -> {
        ObjectNode raw = Json.MAPPER.createObjectNode();
        return new AspectSelection(ASPECTS, "r", raw);
    };

    /** A critic that scores each answer text by a table of per-aspect scores. */
    static Roles.Judge critic(Map<String, double[]> table) {
        return (query, output, aspects, site) -> {
            double[] s = table.get(output);
            if (s == null) {
                throw new AssertionError("unexpected answer " + output);
            }
            Map<String, AspectScore> scores = new LinkedHashMap<>();
            for (int i = 0; i < s.length; i++) {
                scores.put(aspects.get(i), new AspectScore("why " + output, s[i]));
            }
            return new Evaluation(scores);
        };
    }

    /** A rewriter that answers by a table from the answer it is given, recording each request. */
    static final class TableRewriter implements Rewriter {
        final Map<String, String> next;
        final List<String> given = new ArrayList<>();
        final List<Evaluation> critiques = new ArrayList<>();
        final List<Integer> rounds = new ArrayList<>();

        TableRewriter(Map<String, String> next) {
            this.next = next;
        }

        @Override
        public Optional<String> rewrite(String query, String answer, List<String> aspects, Evaluation critique,
                                        int round) {
            given.add(answer);
            critiques.add(critique);
            rounds.add(round);
            return Optional.ofNullable(next.get(answer + "#" + round)).flatMap(IclAnswers::wrap);
        }
    }

    static List<Integer> rounds(RefinedAnswer r) {
        return r.attempts().stream().map(RefinedAnswer.Attempt::round).toList();
    }

    @Test
    void keepsTheBestAnswerAndRewritesItUntilEveryAspectScoresFive() {
        // v1 improves on v0 and is kept; v2 (a rewrite of v1) is worse and dropped; v3 (again from v1) is all 5s
        Roles.Judge critic = critic(Map.of("v0", new double[] {3, 3, 3}, "v1", new double[] {4, 4, 2},
                "v2", new double[] {2, 2, 2}, "v3", new double[] {5, 5, 5}));
        TableRewriter rewriter = new TableRewriter(Map.of("v0#1", "v1", "v1#2", "v2", "v1#3", "<START>\nv3\n<END>"));

        RefinedAnswer r = new AnswerRefiner(SELECTOR, critic, rewriter, 5).refine("q", "v0");

        assertEquals(List.of(0, 1, 2, 3), rounds(r), "three rewrites of the allowed five");
        assertEquals(3, r.best());
        assertEquals(RefinedAnswer.Stop.ALL_FIVES, r.stop());
        assertEquals("<START>\nv3\n<END>", r.answer());
        assertEquals(List.of("v0", "v1", "v1"), rewriter.given, "the kept answer is what gets rewritten");
        assertEquals(List.of("why v0", "why v1", "why v1"), rewriter.critiques.stream()
                .map(e -> e.scores().get("Clarity").rationale()).toList(), "with the critic's review of it");
        assertEquals(List.of(1, 2, 3), rewriter.rounds);
        assertEquals(3.0, r.initial().score());
        assertEquals(5.0, r.kept().score());
    }

    @Test
    void tiesGoToTheNewerAnswer() {
        Roles.Judge critic = critic(Map.of("old", new double[] {4, 4, 1}, "new", new double[] {3, 3, 3},
                "newer", new double[] {1, 4, 4}));
        TableRewriter rewriter = new TableRewriter(Map.of("old#1", "new", "new#2", "newer"));

        RefinedAnswer r = new AnswerRefiner(SELECTOR, critic, rewriter, 2).refine("q", "old");

        assertEquals(2, r.best(), "three answers with mean 3: the newest is kept");
        assertEquals("<START>\nnewer\n<END>", r.answer());
        assertEquals(List.of("old", "new"), rewriter.given);
        assertEquals(RefinedAnswer.Stop.ITERATIONS, r.stop());
    }

    @Test
    void stopsAfterNumItersRewritesWhenNothingReachesFive() {
        Roles.Judge critic = critic(Map.of("a", new double[] {2, 2, 2}, "b", new double[] {3, 2, 2},
                "c", new double[] {1, 1, 1}));
        TableRewriter rewriter = new TableRewriter(Map.of("a#1", "b", "b#2", "c", "b#3", "c"));

        RefinedAnswer r = new AnswerRefiner(SELECTOR, critic, rewriter, 3).refine("q", "<START>\na\n<END>");

        assertEquals(List.of(0, 1, 2, 3), rounds(r));
        assertEquals(1, r.best());
        assertEquals("<START>\nb\n<END>", r.answer());
        assertEquals(RefinedAnswer.Stop.ITERATIONS, r.stop());
    }

    @Test
    void anInitialAnswerScoringFiveEverywhereIsNotRewritten() {
        TableRewriter rewriter = new TableRewriter(Map.of());
        RefinedAnswer r = new AnswerRefiner(SELECTOR, critic(Map.of("fine", new double[] {5, 5, 5})), rewriter, 5)
                .refine("q", "fine");

        assertEquals(List.of(0), rounds(r));
        assertEquals(RefinedAnswer.Stop.ALL_FIVES, r.stop());
        assertEquals(List.of(), rewriter.given);
    }

    @Test
    void fivesOnSomeAspectsOnlyAreNotAllFives() {
        // the critic's verdict on Depth could not be read: two 5s of three aspects do not stop the loop
        Roles.Judge partial = (query, output, aspects, site) -> new Evaluation(Map.of(
                "Helpfulness", new AspectScore("h", 5), "Clarity", new AspectScore("c", 5)));
        TableRewriter rewriter = new TableRewriter(Map.of("x#1", "y"));

        RefinedAnswer r = new AnswerRefiner(SELECTOR, partial, rewriter, 1).refine("q", "x");

        assertEquals(List.of(0, 1), rounds(r));
        assertEquals(RefinedAnswer.Stop.ITERATIONS, r.stop());
    }

    @Test
    void anUnreadableRewriteEndsTheLoopKeepingTheBestSoFar() {
        Roles.Judge critic = critic(Map.of("a", new double[] {2, 2, 2}, "b", new double[] {3, 3, 3}));
        TableRewriter rewriter = new TableRewriter(Map.of("a#1", "b")); // round 2 gets no answer

        RefinedAnswer r = new AnswerRefiner(SELECTOR, critic, rewriter, 5).refine("q", "a");

        assertEquals(List.of(0, 1), rounds(r));
        assertEquals(RefinedAnswer.Stop.UNREADABLE_REWRITE, r.stop());
        assertEquals("<START>\nb\n<END>", r.answer());
    }

    @Test
    void zeroIterationsOnlyScoresTheInitialAnswer() {
        RefinedAnswer r = new AnswerRefiner(SELECTOR, critic(Map.of("a", new double[] {1, 2, 3})),
                new TableRewriter(Map.of()), 0).refine("q", "a");
        assertEquals(List.of(0), rounds(r));
        assertEquals(2.0, r.kept().score());
    }

    @Test
    void rejectsAnEmptyInitialAnswerAndABadIterationCount() {
        AnswerRefiner refiner = new AnswerRefiner(SELECTOR, critic(Map.of()), new TableRewriter(Map.of()), 1);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> refiner.refine("What now?", "<START>\n<END>"));
        assertEquals("The initial answer to query \"What now?\" is empty", e.getMessage());

        InvalidRequestException n = assertThrows(InvalidRequestException.class,
                () -> new AnswerRefiner(SELECTOR, critic(Map.of()), new TableRewriter(Map.of()), -1));
        assertEquals("numIters must be between 0 and 1000, but was -1", n.getMessage());
    }
}
