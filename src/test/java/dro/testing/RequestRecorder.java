package dro.testing;

import dro.TokenStream;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ForwardingChatModel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A model that records every request that reaches it (calls and streams), for tests of what a bridge sends. */
public class RequestRecorder extends ForwardingChatModel {

    /** The requests in the order they arrived. */
    public final List<ChatModelRequest> seen = new CopyOnWriteArrayList<>();

    public RequestRecorder(ChatModel delegate) {
        super(delegate);
    }

    @Override
    protected ChatModelResponse doChat(ChatModelRequest request) {
        seen.add(request);
        return super.doChat(request);
    }

    @Override
    protected TokenStream doStream(ChatModelRequest request) {
        seen.add(request);
        return super.doStream(request);
    }
}
