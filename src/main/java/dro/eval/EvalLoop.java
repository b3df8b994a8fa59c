package dro.eval;

import dro.internal.Parallel;
import dro.roles.Evaluation;
import dro.roles.internal.Roles;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * The evaluation itself, free of I/O: every query is answered under every configuration, and every answer is
 * scored by the judge on {@linkplain EvalAspects#of the query's aspects}. Answers are made concurrently on the given
 * pool and returned configuration by configuration, each in query order, whatever the concurrency.
 */
final class EvalLoop {

    private EvalLoop() { }

    /**
     * @param pool     where answers and judgements run concurrently; null runs them one after another
     * @param onJudged called after each answer is judged (from the worker threads, one call at a time)
     */
    public static List<ScoredAnswer> run(List<EvalQuery> queries, List<EvalConfiguration> configurations,
                                         Answerer answerer, Roles.Judge judge, ExecutorService pool,
                                         Consumer<ScoredAnswer> onJudged) {
        int n = queries.size();
        Object lock = new Object();
        return Parallel.map(configurations.size() * n, i -> {
            EvalConfiguration c = configurations.get(i / n);
            EvalQuery q = queries.get(i % n);
            String answer = answerer.answer(c, q.query());
            Evaluation e = judge.evaluate(q.query(), answer, EvalAspects.of(q), "");
            ScoredAnswer s = new ScoredAnswer(c.name(), q, answer, e);
            synchronized (lock) {
                onJudged.accept(s);
            }
            return s;
        }, pool);
    }
}
