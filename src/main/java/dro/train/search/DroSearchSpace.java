package dro.train.search;
import dro.train.Step;
import dro.train.Optimizer;
import dro.train.PathState;
import dro.train.search.SearchSpace;
import dro.InvalidRequestException;
import dro.roles.internal.Roles;
import dro.roles.Evaluation;
import dro.roles.AspectSelection;

import dro.internal.Parallel;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DRO's search space over system prompts (DRO-reference section 4).
 *
 * <ul>
 *   <li>A state is the list of steps so far; step {@code i} uses training query {@code i}. The first state runs the
 *   initial system prompt on query 0.</li>
 *   <li>Actions: when the last step's evaluation is empty, all 5s, or averages above 4.5, the only action is the
 *   current prompt, and the state asks for the depth limit to be extended. Otherwise the optimiser proposes
 *   {@code nActions} new prompts.</li>
 *   <li>Step: the next query's aspects are selected (cached per query), the base model answers behind the new
 *   prompt, and the judge scores the answer on those aspects. The reward is the mean score.</li>
 *   <li>Terminal: the path reached the depth limit, or the training queries ran out.</li>
 * </ul>
 *
 * <p>All optimiser calls of a level run at once (with the aspect selection for the level's query), then all
 * generations-and-judgements, on the given pool; results are used in a fixed order, so a run is the same at any
 * concurrency.
 */
public final class DroSearchSpace implements SearchSpace<PathState, String> {

    private static final Logger log = LoggerFactory.getLogger(DroSearchSpace.class);

    private final List<String> queries;
    private final String initialPrompt;
    private final int nActions;
    private final Roles.Base base;
    private final Roles.Metrics metrics;
    private final Roles.Judge judge;
    private final Optimizer optimizer;
    private final ExecutorService pool;

    /** @param pool where a level's calls run concurrently; null runs them one after another */
    public DroSearchSpace(List<String> queries, String initialPrompt, int nActions, Roles.Base base,
                          Roles.Metrics metrics, Roles.Judge judge, Optimizer optimizer,
                          ExecutorService pool) {
        if (queries.isEmpty()) {
            throw new InvalidRequestException("queries must hold at least one training query, but was empty");
        }
        this.queries = List.copyOf(queries);
        this.initialPrompt = initialPrompt;
        this.nActions = nActions;
        this.base = base;
        this.metrics = metrics;
        this.judge = judge;
        this.optimizer = optimizer;
        this.pool = pool;
    }

    @Override
    public PathState init() {
        return new PathState(List.of(step(initialPrompt, 0, "L0/T0")));
    }

    @Override
    public List<Actions<String>> actions(List<PathState> states) {
        // The next step's query is known now: select its aspects while the optimiser works (one call saved per level
        // on the critical path). Its result lands in the metrics role's cache; the step itself asks for it again.
        int next = states.isEmpty() ? queries.size() : states.get(0).size();
        boolean prefetch = next < queries.size();
        List<Actions<String>> all = Parallel.map(states.size() + (prefetch ? 1 : 0), i -> {
            if (i == states.size()) {
                metrics.select(queries.get(next), "L" + next + "/aspects");
                return null;
            }
            PathState s = states.get(i);
            Step last = s.last();
            if (last.evaluation().needsNoOptimisation()) {
                return new Actions<>(List.of(last.systemPrompt()), true);
            }
            List<String> proposals = optimizer.propose(s, nActions, "L" + s.size() + "/B" + i);
            if (proposals.isEmpty()) {
                log.warn("No readable proposal for a path of length {}; it keeps its current prompt", s.size());
                return new Actions<>(List.of(last.systemPrompt()), false);
            }
            return new Actions<>(proposals, false);
        }, pool);
        return all.subList(0, states.size());
    }

    @Override
    public List<PathState> step(List<Transition<PathState, String>> transitions) {
        return Parallel.map(transitions.size(), i -> {
            Transition<PathState, String> t = transitions.get(i);
            int index = t.state().size();
            return t.state().plus(step(t.action(), index, "L" + index + "/T" + i));
        }, pool);
    }

    private Step step(String prompt, int queryIndex, String site) {
        String query = queries.get(queryIndex);
        AspectSelection aspects = metrics.select(query, site);
        Roles.Answer answer = base.answer(prompt, query, site);
        Evaluation evaluation = judge.evaluate(query, answer.output(), aspects.aspects(), site);
        return new Step(prompt, answer.icl(), query, answer.output(), evaluation);
    }

    @Override
    public double reward(PathState state) {
        return state.last().evaluation().reward();
    }

    @Override
    public boolean isTerminal(PathState state, int depthLimit) {
        return state.size() >= depthLimit || state.size() >= queries.size();
    }
}
