package dro.internal;

import java.nio.file.Path;

/**
 * Where the library keeps what it computes or extracts once: native libraries, embedding caches.
 * Resolved from the system property {@code dro4j.cache.dir}, else the environment variable {@code DRO4J_CACHE},
 * else {@code $XDG_CACHE_HOME/dro4j}, else {@code ~/.cache/dro4j}.
 */
public final class CacheDirs {

    private CacheDirs() { }

    public static Path root() {
        String prop = System.getProperty("dro4j.cache.dir");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("DRO4J_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "dro4j");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "dro4j");
    }
}
