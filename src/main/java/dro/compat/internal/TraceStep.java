package dro.compat.internal;

import java.util.List;
import java.util.Optional;

/**
 * One entry of the original's search trace: the action taken (empty for the initial state), the state it led to,
 * and its reward.
 */
public record TraceStep(Optional<String> action, List<SubResult> state, double reward) { }
