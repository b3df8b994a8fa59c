package dro.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The original's data files in {@code ../shared/upstream-drpo} (read-only, for compatibility tests). Tests that need
 * them run whenever they exist; under {@code CI=true} their absence is a failure, not a skip.
 */
public final class SharedData {

    private SharedData() { }

    public static Path upstream() {
        Path p = Path.of("..", "shared", "upstream-drpo").toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but the original's data is missing at " + p);
            }
            assumeTrue(false, "no ../shared/upstream-drpo here");
        }
        return p;
    }
}
