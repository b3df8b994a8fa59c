package dro.train.icl;

import dro.train.icl.IclAnswers;
import dro.internal.Validation;
import dro.roles.AspectSelection;
import dro.roles.Evaluation;
import dro.roles.internal.Roles;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DRO's ICL answer optimisation for one seed (Singla et al., EMNLP 2024; DRO-reference section 5), as a loop over
 * three roles and nothing else:
 *
 * <ol>
 *   <li>the critic's metrics model picks 3 to 6 aspects for the query;</li>
 *   <li>the critic scores the initial answer on them, each with a rationale;</li>
 *   <li>up to {@code numIters} times: the rewriter rewrites the kept answer to satisfy the critic's review of it, and
 *   the critic scores the rewrite; a rewrite whose mean score is at least the kept one's is kept (ties go to the
 *   newer answer);</li>
 *   <li>it stops early once the kept answer scores 5 on every aspect.</li>
 * </ol>
 *
 * <p>Stateless and thread-safe when its roles are.
 */
final class AnswerRefiner {

    private static final Logger log = LoggerFactory.getLogger(AnswerRefiner.class);

    private final Roles.Metrics aspects;
    private final Roles.Judge critic;
    private final Rewriter rewriter;
    private final int numIters;

    /**
     * @param aspects  the critic's (stricter) aspect selection
     * @param critic   scores an answer on the aspects; its rationales are the feedback the rewriter gets
     * @param rewriter rewrites an answer to satisfy the critic
     * @param numIters at most this many rewrites per seed (the original's {@code num_iters}, 5 by default)
     */
    public AnswerRefiner(Roles.Metrics aspects, Roles.Judge critic, Rewriter rewriter, int numIters) {
        this.aspects = aspects;
        this.critic = critic;
        this.rewriter = rewriter;
        this.numIters = Validation.ensureBetween(numIters, 0, 1000, "numIters");
    }

    /**
     * Refines one answer.
     *
     * @param query         the seed query
     * @param initialAnswer its initial answer, with or without the {@code <START>}/{@code <END>} markers
     */
    public RefinedAnswer refine(String query, String initialAnswer) {
        String first = IclAnswers.wrap(initialAnswer).orElseThrow(() -> new dro.InvalidRequestException(
                "The initial answer to query " + Validation.quote(query) + " is empty"));
        AspectSelection selection = aspects.select(query, "");
        List<String> names = selection.aspects();
        List<RefinedAnswer.Attempt> attempts = new ArrayList<>();
        attempts.add(new RefinedAnswer.Attempt(0, first, score(query, first, names)));
        int best = 0;
        RefinedAnswer.Stop stop = RefinedAnswer.Stop.ITERATIONS;
        for (int round = 1; ; round++) {
            RefinedAnswer.Attempt kept = attempts.get(best);
            if (allFives(kept.evaluation(), names)) {
                stop = RefinedAnswer.Stop.ALL_FIVES;
                break;
            }
            if (round > numIters) {
                break;
            }
            Optional<String> rewritten = rewriter.rewrite(query, IclAnswers.body(kept.answer()), names,
                    kept.evaluation(), round);
            if (rewritten.isEmpty()) {
                stop = RefinedAnswer.Stop.UNREADABLE_REWRITE;
                break;
            }
            RefinedAnswer.Attempt next = new RefinedAnswer.Attempt(round, rewritten.get(),
                    score(query, rewritten.get(), names));
            attempts.add(next);
            if (next.score() >= kept.score()) {
                best = attempts.size() - 1;
            }
        }
        RefinedAnswer r = new RefinedAnswer(query, selection, attempts, best, stop);
        log.debug("ICL answer for {}: score {} -> {} after {} rewrite(s), stopped: {}", Validation.quote(query),
                r.initial().score(), r.kept().score(), r.rewrites(), stop);
        return r;
    }

    private Evaluation score(String query, String answer, List<String> names) {
        return critic.evaluate(query, IclAnswers.body(answer), names, "");
    }

    /** Whether every selected aspect was scored, and scored 5. */
    static boolean allFives(Evaluation e, List<String> aspects) {
        return !aspects.isEmpty() && e.scores().size() == aspects.size()
                && e.scores().values().stream().allMatch(s -> s.score() == 5.0);
    }
}
