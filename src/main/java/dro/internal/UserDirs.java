package dro.internal;

import dro.Environment;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The one precedence rule for dro4j's per-user directories ({@link CacheDirs}, {@link ConfigDirs}): a system property,
 * else dro4j's environment variable, else {@code $XDG_…_HOME/dro4j}, else {@code ~/<dot directory>/dro4j}. A blank
 * value counts as unset.
 */
final class UserDirs {

    private UserDirs() { }

    /**
     * @param property    the system property, e.g. {@code dro4j.cache.dir}
     * @param variable    dro4j's environment variable, e.g. {@code DRO4J_CACHE}
     * @param xdgVariable the XDG base directory variable, e.g. {@code XDG_CACHE_HOME}
     * @param homeDir     the directory under the home directory the XDG specification defaults to, e.g. {@code .cache}
     */
    static Path resolve(String property, String variable, String xdgVariable, String homeDir, Environment env) {
        return resolve(property, variable, xdgVariable, homeDir, System::getProperty, env);
    }

    /** As above, with the system properties read from {@code properties} (for tests). */
    static Path resolve(String property, String variable, String xdgVariable, String homeDir,
            UnaryOperator<String> properties, Environment env) {
        String prop = properties.apply(property);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        Optional<String> own = env.nonBlank(variable);
        if (own.isPresent()) {
            return Path.of(own.get());
        }
        Optional<String> xdg = env.nonBlank(xdgVariable);
        if (xdg.isPresent()) {
            return Path.of(xdg.get(), "dro4j");
        }
        return Path.of(properties.apply("user.home"), homeDir, "dro4j");
    }
}
