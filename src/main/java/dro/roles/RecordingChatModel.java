package dro.roles;

import static dro.internal.Validation.ensureNotNull;

import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ForwardingChatModel;
import dro.TokenStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A decorator that records every call of one role at one site in a run's {@link CallCache}, and answers a call
 * recorded before from there without calling the wrapped model: what makes a run resumable. The key is the role, the
 * site and the request, exactly as {@link CallCache} has always written them, so runs recorded earlier resume.
 *
 * <p>The role and the site are part of the decorator, not of the request: {@link #at(String)} gives the same
 * recording at another site (cheap; roles make one per call). Usually made by {@link CallCache#record}, which puts the
 * run's token budget under it, so that only new calls spend.
 *
 * <p>A failed call records nothing, so a retrying decorator over or under this one records the same calls. A batch
 * is recorded request by request, one after another; a stream is not recorded (it passes through).
 *
 * <p>Thread-safe. Concurrent calls with the same key are made once.
 */
public final class RecordingChatModel extends ForwardingChatModel {

    private final CallCache calls;
    private final String role;
    private final String site;

    /**
     * @param role the role's name in the keys, e.g. {@code "judge"}
     * @param site where in the search the calls are made; "" for deterministic calls
     */
    public RecordingChatModel(ChatModel delegate, CallCache calls, String role, String site) {
        super(delegate);
        this.calls = ensureNotNull(calls, "calls");
        this.role = ensureNotNull(role, "role");
        this.site = ensureNotNull(site, "site");
    }

    /** The same recording, for calls at {@code site}. */
    public RecordingChatModel at(String site) {
        return new RecordingChatModel(delegate(), calls, role, site);
    }

    public String role() {
        return role;
    }

    public String site() {
        return site;
    }

    @Override
    protected ChatModelResponse doChat(ChatModelRequest request) {
        return calls.call(role, site, request, () -> super.doChat(request));
    }

    @Override
    protected List<ChatModelResponse> doChatAll(List<ChatModelRequest> requests, boolean sharePrefixes) {
        List<ChatModelResponse> out = new ArrayList<>(requests.size());
        for (ChatModelRequest r : requests) {
            out.add(doChat(r));
        }
        return out;
    }

    @Override
    protected TokenStream doStream(ChatModelRequest request) {
        return super.doStream(request);
    }
}
