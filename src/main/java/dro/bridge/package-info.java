/**
 * What the chat-framework bridges ({@code dro.langchain4j}, {@code dro.springai}) share, in neutral types: the
 * chat-turn rules that turn a conversation into one DRO query with its {@link dro.GenerateOptions}. Each bridge maps its
 * framework's messages and options onto these and keeps its own exception types. Not exported: not API.
 *
 * <p>Layer 2: uses the root's values and exceptions and {@code dro.internal}.
 */
package dro.bridge;
