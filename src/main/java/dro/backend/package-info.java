/**
 * The one model seam: {@link dro.backend.ChatModel} (messages, n, sampling, stop strings, seed, response format;
 * blocking and streaming, cancellable; usage and finish reason; capabilities) and the decorators that wrap any
 * model, composable in any order like OkHttp's interceptors: {@link dro.backend.RetryingChatModel},
 * {@link dro.backend.internal.BudgetedChatModel}, {@link dro.backend.internal.UsageAccounting}, over
 * {@link dro.backend.ForwardingChatModel}; and {@link dro.backend.RoutingChatModel}, one model over several
 * {@link dro.backend.Endpoint}s. {@code RetryingChatModel} is the one retry layer (models and the router make one
 * attempt per call); {@link dro.backend.UsageTally} is the one place token usage is added up (usage accounting, the
 * budget, the endpoints' figures), streams included. Recording and resume and the re-asks live with the roles
 * ({@code dro.roles}). {@link dro.backend.internal.Batches} sends a run's new calls as batch jobs through a
 * {@link dro.backend.internal.BatchApi} (OpenAI's Batch API in {@code dro.backend.openai}).
 *
 * <p>Layer 2: uses the bottom layer ({@code dro.internal}, the root's values and exceptions) only.
 */
package dro.backend;
