/**
 * What training hands out and takes: a step of a search path ({@link dro.train.Step}, in
 * {@code TrainResult.bestPath()}) and the optimiser role ({@link dro.train.Optimizer}). The search itself (beam
 * search, DRO's search space, its paths) is the pure core in {@code dro.train.search}, not exported; it reads no file
 * and speaks to no server: the roles it is given do. The runner that wires models, files and reports is
 * {@code dro.train.run}.
 *
 * <p>Layer 5: uses {@code dro.roles} and the layers below.
 */
package dro.train;
