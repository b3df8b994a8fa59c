package dro.internal;

import java.nio.file.Path;

/**
 * Where the library keeps what the user configures or imports (their optimised prompts). Resolved from the system
 * property {@code dro4j.config.dir}, else the environment variable {@code DRO4J_CONFIG}, else
 * {@code $XDG_CONFIG_HOME/dro4j}, else {@code ~/.config/dro4j}.
 */
public final class ConfigDirs {

    private ConfigDirs() { }

    public static Path root() {
        String prop = System.getProperty("dro4j.config.dir");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("DRO4J_CONFIG");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "dro4j");
        }
        return Path.of(System.getProperty("user.home"), ".config", "dro4j");
    }
}
