/**
 * What the roles of {@link dro.roles} use inside: asking with re-asks of unreadable replies
 * ({@link dro.roles.internal.Reasker}, {@link dro.roles.internal.JsonReplies}), the aspects' JSON
 * ({@link dro.roles.internal.Aspects}) and the per-call seeds ({@link dro.roles.internal.Seeds}). Not exported: the
 * roles, training, ICL optimisation and evaluation call them; a user calls the roles.
 *
 * <p>Layer 4, with {@link dro.roles}: uses the layers below; never training, evaluation or a runner.
 */
package dro.roles.internal;
