/**
 * The pure core of DRO's prompt search: {@link dro.train.BeamSearch} over a {@link dro.train.SearchSpace}, the
 * DRO space ({@link dro.train.DroSearchSpace}) with its paths ({@link dro.train.PathState}, {@link dro.train.Step}),
 * and the optimiser role ({@link dro.train.Optimizer}). It reads no file and speaks to no server: the roles it is given
 * do. The runner that wires models, files and reports is {@code dro.train.run}.
 *
 * <p>Layer 5: uses {@code dro.roles} and the layers below.
 */
package dro.train;
