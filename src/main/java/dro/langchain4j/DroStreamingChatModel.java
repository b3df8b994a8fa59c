package dro.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.TokenStream;
import java.util.List;

/**
 * A DRO {@link AutoModel} as a LangChain4j {@link StreamingChatModel}: the pieces of
 * {@link AutoModel#stream(String, GenerateOptions)} go to {@code onPartialResponse} as they come, on the calling
 * thread, then the cleaned answer with usage and finish reason to {@code onCompleteResponse}. Messages and parameters
 * are taken as {@link DroChatModel} takes them. Built by {@link DroChatModel.Builder#buildStreaming()}.
 */
public final class DroStreamingChatModel implements StreamingChatModel {

    private final AutoModel model;
    private final GenerateOptions options;
    private final List<ChatModelListener> listeners;
    private final String name;

    DroStreamingChatModel(AutoModel model, GenerateOptions options, List<ChatModelListener> listeners, String name) {
        this.model = model;
        this.options = options;
        this.listeners = listeners;
        this.name = name;
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        DroRequests.Query q;
        try {
            q = DroRequests.toQuery(request, options);
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        try (TokenStream s = model.stream(q.text(), q.options())) {
            while (s.hasNext()) {
                handler.onPartialResponse(s.next());
            }
            handler.onCompleteResponse(DroRequests.toResponse(s.result(), name));
        } catch (RuntimeException e) {
            handler.onError(e);
        }
    }

    @Override
    public List<ChatModelListener> listeners() {
        return listeners;
    }
}
