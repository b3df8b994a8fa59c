package dro.roles.internal;

import dro.roles.Evaluation;
import dro.roles.AspectSelection;
import dro.roles.Role;
import java.util.List;

/**
 * The model roles shared by training, ICL optimisation and evaluation, named as {@link Role} names them (the
 * fourth, the optimiser, is {@code dro.train.Optimizer}), as small interfaces so the search can run on scripted fakes
 * in tests and on real models (local or API) in use. {@code site} names the call's place in the search (for example
 * {@code "L3/T1"}: level 3, transition 1); implementations that cache use it to tell apart calls with equal
 * content made at different places, and seeded ones derive the call's sampling seed from it ({@code Seeds}).
 *
 * <p>Implementations are thread-safe: the search calls them concurrently.
 */
public final class Roles {

    private Roles() { }

    /** The metrics role ({@link Role#METRICS}): picks the aspects (the original's metrics) a query is judged on. */
    public interface Metrics {
        AspectSelection select(String query, String site);
    }

    /**
     * The judge ({@link Role#JUDGE}): scores an answer on the given aspects; an unreadable verdict is
     * {@link Evaluation#EMPTY}.
     */
    public interface Judge {
        Evaluation evaluate(String query, String output, List<String> aspects, String site);
    }

    /**
     * The base model ({@link Role#BASE}), the model under training: answers a query behind a system prompt (plus its
     * retrieved examples).
     */
    public interface Base {
        Answer answer(String systemPrompt, String query, String site);
    }

    /** What the base model produced: the in-context examples it was given (as appended text) and its answer. */
    public record Answer(String icl, String output) { }
}
