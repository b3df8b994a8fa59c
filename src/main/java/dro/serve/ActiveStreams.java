package dro.serve;

import dro.TokenStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The streams generating now, cancelled when a drain runs out of time; and whether the server drains. */
final class ActiveStreams {

    private final Set<TokenStream> streams = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    void add(TokenStream s) {
        streams.add(s);
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
        streams.forEach(TokenStream::cancel);
    }
}
