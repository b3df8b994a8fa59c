/**
 * dro4j in Spring AI, both ways: {@link dro.springai.SpringAiChatModel} makes any Spring AI
 * {@code ChatModel} a dro4j model (for {@code AutoModel} and the training, ICL and evaluation roles);
 * {@link dro.springai.DroAdvisor} puts DRO's optimised system prompt and in-context examples in front of any Spring AI
 * model in a {@code ChatClient}. Spring AI is an optional dependency of dro4j.
 *
 * <p>Layer 7, beside the {@link dro.AutoModel} facade and {@code dro.langchain4j}: uses any layer below; nothing in
 * dro4j uses it but its auto-configuration.
 */
package dro.springai;
