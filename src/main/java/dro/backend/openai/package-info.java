/**
 * The OpenAI-compatible implementation of {@link dro.backend.ChatModel} over openai-java: error mapping onto the
 * root's exceptions, secret redaction. Implementation detail: not exported.
 *
 * <p>Layer 2: uses {@code dro.backend} and the bottom layer.
 */
package dro.backend.openai;
