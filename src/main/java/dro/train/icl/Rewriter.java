package dro.train.icl;

import dro.roles.Evaluation;
import java.util.List;
import java.util.Optional;

/**
 * Rewrites an example answer to satisfy a critic's review (the rewriting step of DRO's ICL optimisation).
 *
 * <p>Implementations are thread-safe: the optimiser works on several queries at once.
 */
interface Rewriter {

    /**
     * A new answer, wrapped as {@code "<START>\n...\n<END>"}, or empty when no readable answer came back.
     *
     * @param query    the seed query
     * @param answer   the answer to improve (its text without markers)
     * @param aspects  the aspects the critic scores
     * @param critique the critic's scores and rationales for {@code answer}
     * @param round    the rewrite round, from 1; equal requests in different rounds are different samples
     */
    Optional<String> rewrite(String query, String answer, List<String> aspects, Evaluation critique, int round);
}
