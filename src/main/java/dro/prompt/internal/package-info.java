/**
 * The prompt texts inside: {@link dro.prompt.internal.PromptResources} reads the project's {@code prompts/}
 * resources (meta-prompts, the base alignment prompt) and {@link dro.prompt.internal.PromptTemplate} fills their
 * {@code {name}} placeholders. Not exported: the roles, runs and the facade use them; a user edits prompts through
 * the prompt store and registry of {@link dro.prompt}.
 *
 * <p>Layer 3, with {@link dro.prompt}: uses the layers below.
 */
package dro.prompt.internal;
