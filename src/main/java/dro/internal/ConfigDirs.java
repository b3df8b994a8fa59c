package dro.internal;

import dro.Environment;
import java.nio.file.Path;

/**
 * Where the library keeps what the user configures or imports (their optimised prompts). Resolved from the system
 * property {@code dro4j.config.dir}, else the environment variable {@code DRO4J_CONFIG}, else
 * {@code $XDG_CONFIG_HOME/dro4j}, else {@code ~/.config/dro4j}.
 */
public final class ConfigDirs {

    private ConfigDirs() { }

    /** The configuration root, read from the process environment. */
    public static Path root() {
        return root(Environment.SYSTEM);
    }

    /** The configuration root, read from {@code env}. */
    public static Path root(Environment env) {
        return UserDirs.resolve("dro4j.config.dir", "DRO4J_CONFIG", "XDG_CONFIG_HOME", ".config", env);
    }
}
