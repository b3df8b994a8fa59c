/**
 * The machinery behind the model seam that no user calls: {@link dro.backend.internal.Batches}, which runs a run's
 * logic in rounds and sends each round's new calls as batch jobs through a {@link dro.backend.internal.BatchApi} (the
 * CLI's {@code --batch}; a run finds it through its models), and {@link dro.backend.internal.PieceStream}, the token
 * stream the backends fill. Not exported.
 *
 * <p>Layer 2, with {@link dro.backend}: uses only the bottom layer and {@code dro.backend}.
 */
package dro.backend.internal;
