package dro.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dro.Environment;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class UserDirsTest {

    static Path cache(Map<String, String> properties, Map<String, String> env) {
        UnaryOperator<String> props = properties::get;
        return UserDirs.resolve("dro4j.cache.dir", "DRO4J_CACHE", "XDG_CACHE_HOME", ".cache", props,
                Environment.of(env));
    }

    static final Map<String, String> HOME = Map.of("user.home", "/home/u");

    @Test
    void theSystemPropertyWinsOverEveryVariable() {
        assertEquals(Path.of("/p"), cache(Map.of("user.home", "/home/u", "dro4j.cache.dir", "/p"),
                Map.of("DRO4J_CACHE", "/d", "XDG_CACHE_HOME", "/x")));
    }

    @Test
    void dro4jsVariableWinsOverXdgWhichWinsOverTheHomeDirectory() {
        assertEquals(Path.of("/d"), cache(HOME, Map.of("DRO4J_CACHE", "/d", "XDG_CACHE_HOME", "/x")));
        assertEquals(Path.of("/x/dro4j"), cache(HOME, Map.of("XDG_CACHE_HOME", "/x")));
        assertEquals(Path.of("/home/u/.cache/dro4j"), cache(HOME, Map.of()));
    }

    @Test
    void blankValuesCountAsUnset() {
        assertEquals(Path.of("/home/u/.cache/dro4j"), cache(Map.of("user.home", "/home/u", "dro4j.cache.dir", " "),
                Map.of("DRO4J_CACHE", "", "XDG_CACHE_HOME", "  ")));
    }

    @Test
    void cacheAndConfigDirectoriesReadTheirOwnVariables() {
        Environment env = Environment.of(Map.of("DRO4J_CACHE", "/c", "XDG_CONFIG_HOME", "/xc"));
        // the test JVM sets dro4j.cache.dir and dro4j.config.dir (pom.xml): the property wins
        assertEquals(Path.of(System.getProperty("dro4j.cache.dir")), CacheDirs.root(env));
        assertEquals(Path.of(System.getProperty("dro4j.config.dir")), ConfigDirs.root(env));
        UnaryOperator<String> none = name -> name.equals("user.home") ? "/h" : null;
        assertEquals(Path.of("/xc/dro4j"), UserDirs.resolve("dro4j.config.dir", "DRO4J_CONFIG", "XDG_CONFIG_HOME",
                ".config", none, env));
    }
}
