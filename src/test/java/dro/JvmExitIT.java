package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.TestModels;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program on the packaged jar that uses a local model and returns from {@code main} ends on its own: llama.cpp's
 * task thread does not keep the JVM alive (see {@code DaemonAttach}). Each program runs in a fresh JVM and must end
 * within {@link #BOUND_SECONDS}.
 */
class JvmExitIT {

    static final long BOUND_SECONDS = 60;

    /** Loads, generates, closes (try-with-resources), returns. */
    static final String CLOSES = """
            import dro.AutoModel;
            import java.nio.file.Path;
            public class Closes {
                public static void main(String[] args) {
                    try (AutoModel m = AutoModel.builder().model(Path.of(args[0])).maxModelLen(12288).build()) {
                        System.out.println(m.generate("How are you?"));
                    }
                    System.out.println("main returned");
                }
            }
            """;

    /** Two models, one never closed; a stream left open. */
    static final String LEAVES_OPEN = """
            import dro.AutoModel;
            import dro.GenerateOptions;
            import java.nio.file.Path;
            public class LeavesOpen {
                public static void main(String[] args) {
                    AutoModel open = AutoModel.builder().model(Path.of(args[0])).maxModelLen(12288).build();
                    System.out.println(open.generate("How are you?"));
                    open.stream("And now?", GenerateOptions.DEFAULTS).hasNext();
                    try (AutoModel closed = AutoModel.builder().model(Path.of(args[0])).maxModelLen(12288).build()) {
                        System.out.println(closed.generate("How are you?"));
                    }
                    System.out.println("main returned");
                }
            }
            """;

    @TempDir
    Path tmp;

    record Run(boolean exited, int code, String out, String err) { }

    Run run(String className, String source, long seconds, String... jvmArgs) throws Exception {
        Path src = Files.writeString(tmp.resolve(className + ".java"), source);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Ddro4j.cache.dir=" + System.getProperty("dro4j.cache.dir"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.log.ai.djl=error"));
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-cp", System.getProperty("project.jar") + File.pathSeparator + "target/lib/*",
                src.toString(), TestModels.scriptedChat().toString()));
        Path out = tmp.resolve(className + ".out");
        Path err = tmp.resolve(className + ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean exited = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!exited) {
            p.destroyForcibly().waitFor();
        }
        return new Run(exited, exited ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void aProgramThatClosesItsModelAndReturnsFromMainExits() throws Exception {
        Run r = run("Closes", CLOSES, BOUND_SECONDS);
        assertTrue(r.exited(), "the JVM was still running " + BOUND_SECONDS + " s after start; stdout: " + r.out());
        assertEquals(0, r.code(), r.err());
        assertEquals("Hi\nmain returned\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void aProgramThatLeavesAModelAndAStreamOpenExitsToo() throws Exception {
        Run r = run("LeavesOpen", LEAVES_OPEN, BOUND_SECONDS);
        assertTrue(r.exited(), "the JVM was still running " + BOUND_SECONDS + " s after start; stdout: " + r.out());
        assertEquals(0, r.code(), r.err());
        assertEquals("Hi\nHi\nmain returned\n", r.out());
    }

    @Test
    void withoutTheWorkaroundTheBindingsThreadKeepsTheJvmAlive() throws Exception {
        // What the binding does on its own (and where the workaround cannot apply): main returns, the JVM stays.
        Run r = run("Closes", CLOSES, 20, "-Ddro4j.native.daemonThreads=false");
        assertEquals("Hi\nmain returned\n", r.out());
        assertFalse(r.exited(), "exited with " + r.code() + ": the binding no longer holds the JVM; update"
                + " docs/NATIVE-AND-GPU.md#exiting-the-jvm and consider dropping DaemonAttach");
        assertEquals("", r.err(), "switching the workaround off is not warned about");
    }
}
