/**
 * The prompt search's pure core: {@link dro.train.search.BeamSearch} over a
 * {@link dro.train.search.SearchSpace}, and DRO's space of system prompts ({@link dro.train.search.DroSearchSpace},
 * its states {@link dro.train.PathState}) over the role interfaces. It reads no file and speaks to no server:
 * unit tests run it with scripted roles. Not exported: a user trains through {@code dro.train.run.DroTrainer}.
 *
 * <p>Layer 5, with {@link dro.train}: uses the layers below; never evaluation or a runner.
 */
package dro.train.search;
