package dro.train.icl;

import dro.InvalidRequestException;
import dro.roles.AspectSelection;
import dro.roles.Evaluation;
import java.util.List;

/**
 * What ICL optimisation made of one seed: the critic's aspects, every scored version of the answer (the initial one
 * is round 0), and which one is kept.
 *
 * @param query    the seed query
 * @param aspects  the critic's aspect selection (3 to 6 aspects)
 * @param attempts every answer that was scored, in order
 * @param best     the index in {@code attempts} of the kept answer: the highest mean score, the newest on ties
 * @param stop     why the rewriting stopped
 */
public record RefinedAnswer(String query, AspectSelection aspects, List<Attempt> attempts, int best, Stop stop) {

    /** One scored version of the answer; {@code answer} is wrapped as {@code "<START>\n...\n<END>"}. */
    public record Attempt(int round, String answer, Evaluation evaluation) {

        /** The mean of the critic's scores; 0 when its verdict could not be read. */
        public double score() {
            return evaluation.reward();
        }
    }

    /** Why the rewriting stopped. */
    public enum Stop {
        /** Every aspect scored 5: nothing left to improve. */
        ALL_FIVES,
        /** {@code numIters} rewrites were made. */
        ITERATIONS,
        /** The rewriter's reply stayed unreadable; asking again would repeat the same request. */
        UNREADABLE_REWRITE
    }

    public RefinedAnswer {
        attempts = List.copyOf(attempts);
        if (best < 0 || best >= attempts.size()) {
            throw new InvalidRequestException("best must index attempts (0.." + (attempts.size() - 1) + "), but was "
                    + best);
        }
    }

    /** The kept attempt. */
    public Attempt kept() {
        return attempts.get(best);
    }

    /** The kept answer, as it goes into the ICL file. */
    public String answer() {
        return kept().answer();
    }

    /** The initial answer's attempt (round 0). */
    public Attempt initial() {
        return attempts.get(0);
    }

    /** Rewrites that were scored. */
    public int rewrites() {
        return attempts.size() - 1;
    }
}
