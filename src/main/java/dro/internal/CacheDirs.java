package dro.internal;

import dro.Environment;
import java.nio.file.Path;

/**
 * Where the library keeps what it computes or extracts once: models, native libraries, embedding caches.
 * Resolved from the system property {@code dro4j.cache.dir}, else the environment variable {@code DRO4J_CACHE},
 * else {@code $XDG_CACHE_HOME/dro4j}, else {@code ~/.cache/dro4j}.
 */
public final class CacheDirs {

    private CacheDirs() { }

    /** The cache root, read from the process environment. */
    public static Path root() {
        return root(Environment.SYSTEM);
    }

    /** The cache root, read from {@code env}. */
    public static Path root(Environment env) {
        return UserDirs.resolve("dro4j.cache.dir", "DRO4J_CACHE", "XDG_CACHE_HOME", ".cache", env);
    }
}
