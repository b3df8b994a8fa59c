package dro.serve;

import dro.TokenStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The streams generating now, cancelled when a drain runs out of time; and whether the server drains. */
final class ActiveStreams {

    private final Set<TokenStream> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    private volatile boolean cancelled;

    /** Registers a stream; one that starts after {@link #cancelAll} (a request's next choice) is cancelled at once. */
    void add(TokenStream s) {
        streams.add(s);
        if (cancelled) {
            s.cancel();
        }
    }

    void remove(TokenStream s) {
        streams.remove(s);
    }

    boolean draining() {
        return draining;
    }

    void drain() {
        draining = true;
    }

    void cancelAll() {
        cancelled = true;
        streams.forEach(TokenStream::cancel);
    }
}
