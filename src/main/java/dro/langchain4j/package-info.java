/**
 * DRO in the LangChain4j ecosystem, both ways: {@link dro.langchain4j.DroChatModel} and
 * {@link dro.langchain4j.DroStreamingChatModel} put an {@link dro.AutoModel}'s optimised prompt and in-context
 * examples in front of every LangChain4j chat request (for {@code AiServices}, chat memory and listeners), and
 * {@link dro.langchain4j.LangChain4jChatModel} makes any LangChain4j {@code ChatModel} a {@link dro.backend.ChatModel},
 * for {@code AutoModel.builder().chatModel(...)} and the training, ICL and evaluation roles.
 *
 * <p>Needs {@code dev.langchain4j:langchain4j-core}, which dro4j declares optional.
 *
 * <p>Layer 7, beside the {@link dro.AutoModel} facade: uses any layer below; nothing in dro4j uses it.
 */
package dro.langchain4j;
