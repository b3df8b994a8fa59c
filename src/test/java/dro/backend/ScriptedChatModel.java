package dro.backend;

import dro.backend.internal.PieceStream;
import dro.FinishReason;
import dro.TokenStream;
import dro.Usage;
import dro.backend.ModelCapabilities.Capability;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;

/**
 * A hand-written fake for unit tests of decorators: answers each call with the next scripted outcome (a failure to
 * throw, or a reply), and records the requests it received. When the script is empty it answers {@code "echo: "} and
 * the user text, with 10 prompt and 3 completion tokens.
 */
public final class ScriptedChatModel extends ChatModel {

    private final String name;
    private final Deque<Object> script = new ArrayDeque<>();
    public final List<ChatModelRequest> received = Collections.synchronizedList(new ArrayList<>());
    public volatile boolean closed;

    public ScriptedChatModel(String name) {
        this.name = name;
    }

    /** Then throws {@code e}. */
    public synchronized ScriptedChatModel thenFail(RuntimeException e) {
        script.add(e);
        return this;
    }

    /** Then answers {@code text} with the given usage. */
    public synchronized ScriptedChatModel thenAnswer(String text, Usage usage) {
        script.add(new ChatModelResponse(List.of(text), usage, List.of(FinishReason.STOP)));
        return this;
    }

    /** Then streams {@code text}, one character a piece, and fails with {@code e} instead of ending. */
    public synchronized ScriptedChatModel thenBreakStream(String text, RuntimeException e) {
        script.add(new Broken(text, e));
        return this;
    }

    private record Broken(String text, RuntimeException failure) { }

    public static ChatModelRequest request(String user) {
        return ChatModelRequest.builder("sys", user).build();
    }

    @Override
    public String modelName() {
        return name;
    }

    @Override
    public ModelCapabilities capabilities() {
        return ModelCapabilities.of(Capability.JSON_OBJECT, Capability.SEED, Capability.EVALUATED_TOKENS)
                .withMaxStopStrings(4);
    }

    @Override
    protected ChatModelResponse doChat(ChatModelRequest request) {
        Object next = next(request);
        return next instanceof ChatModelResponse r ? r : echo(request);
    }

    /** Records {@code request} and takes the next scripted outcome, throwing a scripted failure. */
    private Object next(ChatModelRequest request) {
        received.add(request);
        Object next;
        synchronized (this) {
            next = script.poll();
        }
        if (next instanceof RuntimeException e) {
            throw e;
        }
        return next;
    }

    private static ChatModelResponse echo(ChatModelRequest request) {
        return new ChatModelResponse(List.of("echo: " + request.user()), new Usage(10, 3, -1),
                List.of(FinishReason.STOP));
    }

    /** The next outcome as a stream: a reply's text one character a piece, with its usage at the end. */
    @Override
    protected TokenStream doStream(ChatModelRequest request) {
        Object next = next(request);
        ChatModelResponse r = next instanceof ChatModelResponse c ? c : echo(request);
        String text = next instanceof Broken b ? b.text() : r.text();
        RuntimeException failure = next instanceof Broken b ? b.failure() : null;
        return new PieceStream() {
            private int at;

            @Override
            protected String nextPiece() {
                if (at < text.length()) {
                    return String.valueOf(text.charAt(at++));
                }
                if (failure != null) {
                    throw failure;
                }
                return null;
            }

            @Override
            protected FinishReason naturalEnd() {
                return FinishReason.STOP;
            }

            @Override
            protected void stop() {
            }

            @Override
            protected Usage usage(String soFar) {
                return soFar.equals(r.text()) ? r.usage() : new Usage(r.usage().promptTokens(), soFar.length(), -1);
            }
        };
    }

    @Override
    public void close() {
        closed = true;
    }
}
