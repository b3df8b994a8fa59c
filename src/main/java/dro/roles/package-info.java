/**
 * The model roles that training, ICL optimisation and evaluation share, named once by {@link dro.roles.Role}: the
 * role interfaces ({@link dro.roles.internal.Roles}: base, judge, metrics), their LLM implementations
 * ({@link dro.roles.internal.LlmRoles}),
 * asking with re-asks of unreadable JSON ({@link dro.roles.internal.Reasker}, {@link dro.roles.internal.JsonReplies}), call recording and
 * resume ({@link dro.roles.CallCache}, {@link dro.roles.RecordingChatModel}), the aspect cache, the aspects, the
 * evaluations and the per-site seeds.
 *
 * <p>Layer 4: uses the layers below ({@code dro.backend}, {@code dro.icl}, {@code dro.prompt}, {@code dro.compat},
 * the bottom layer); never training, evaluation or a runner.
 */
package dro.roles;
