/**
 * The training runner, the part of training that does I/O: {@link dro.train.run.DroTrainer} wires the models into
 * the roles and runs the search, with its configuration ({@link dro.train.run.TrainConfig}), training queries from
 * files, run files and resume, the HTML/JSON report, the cost estimate and the LLM optimiser
 * ({@link dro.train.run.LlmOptimizer}).
 *
 * <p>Layer 6: uses the search core {@code dro.train} and everything below it.
 */
package dro.train.run;
