package dro.train;

import dro.train.Step;
import java.util.ArrayList;
import java.util.List;

/** The steps taken so far on one search path; the i-th step always used the i-th training query. */
public record PathState(List<Step> steps) {

    public PathState {
        steps = List.copyOf(steps);
    }

    public int size() {
        return steps.size();
    }

    public Step last() {
        return steps.get(steps.size() - 1);
    }

    public PathState plus(Step step) {
        List<Step> s = new ArrayList<>(steps);
        s.add(step);
        return new PathState(s);
    }

    /** The system prompts of the last {@code n} steps, oldest first (the optimiser's version history). */
    public List<String> lastPrompts(int n) {
        List<String> out = new ArrayList<>();
        for (Step s : steps.subList(Math.max(0, steps.size() - n), steps.size())) {
            out.add(s.systemPrompt());
        }
        return out;
    }
}
