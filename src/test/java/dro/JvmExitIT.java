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
 * within {@link #BOUND_SECONDS}. On Java 22+ the jar's Java 22 classes do it through the Foreign Function & Memory
 * API: no {@code sun.misc.Unsafe} warning, and with {@link #NATIVE_ACCESS} no JDK warning at all.
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

    /**
     * Two models, one never closed; a stream left open. Both share one loaded model (same file and settings), so it
     * has two slots: the open stream holds one.
     */
    static final String LEAVES_OPEN = """
            import dro.AutoModel;
            import dro.GenerateOptions;
            import java.nio.file.Path;
            public class LeavesOpen {
                public static void main(String[] args) {
                    AutoModel open = AutoModel.builder().model(Path.of(args[0])).maxModelLen(12288).parallelSlots(2)
                            .build();
                    System.out.println(open.generate("How are you?"));
                    open.stream("And now?", GenerateOptions.DEFAULTS).hasNext();
                    try (AutoModel closed = AutoModel.builder().model(Path.of(args[0])).maxModelLen(12288)
                            .parallelSlots(2).build()) {
                        System.out.println(closed.generate("How are you?"));
                    }
                    System.out.println("main returned");
                }
            }
            """;

    @TempDir
    Path tmp;

    record Run(boolean exited, int code, String out, String err) { }

    /** The one option README asks of library users on Java 24+ (every JDK from 17 accepts it). */
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    /** Runs the program as README's setup does: with {@link #NATIVE_ACCESS}. */
    Run run(String className, String source, long seconds, String... jvmArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of(NATIVE_ACCESS));
        args.addAll(List.of(jvmArgs));
        return runWithout(className, source, seconds, args.toArray(String[]::new));
    }

    /** Runs the program with only {@code jvmArgs}. */
    Run runWithout(String className, String source, long seconds, String... jvmArgs) throws Exception {
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
    void withoutNativeAccessJava24AndLaterWarnOnceAndDro4jNamesTheFlagButNeverUnsafe() throws Exception {
        Run r = runWithout("Closes", CLOSES, BOUND_SECONDS);
        assertTrue(r.exited(), "the JVM was still running " + BOUND_SECONDS + " s after start; stdout: " + r.out());
        assertEquals(0, r.code(), r.err());
        assertEquals("Hi\nmain returned\n", r.out());
        assertFalse(r.err().contains("sun.misc.Unsafe"), r.err());
        if (Runtime.version().feature() < 24) {
            assertEquals("", r.err(), "Java 17 to 23 do not restrict loading a library (and dro4j avoids what they do"
                    + " restrict)");
        } else {
            assertTrue(r.err().startsWith("WARNING: A restricted method in java.lang.System has been called\n"
                    + "WARNING: java.lang.System::load has been called by de.kherud.llama.LlamaLoader in an unnamed"
                    + " module"), r.err());
            assertEquals(1, r.err().split("WARNING: A restricted method", -1).length - 1, "once: " + r.err());
            assertTrue(r.err().endsWith(" - Native access is not enabled for java-llama.cpp and dro4j (the JDK's"
                    + " \"restricted method\" warning above; a later JDK will refuse to load llama.cpp): add"
                    + " --enable-native-access=ALL-UNNAMED to the java command\n"), r.err());
        }
    }

    @Test
    void whereTheJdkDeniesNativeAccessLoadingFailsNamingTheFlag() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.version().feature() >= 24,
                "--illegal-native-access=deny is Java 24+");
        Run r = runWithout("Closes", CLOSES, BOUND_SECONDS, "--illegal-native-access=deny");
        assertTrue(r.exited(), "the JVM was still running " + BOUND_SECONDS + " s after start; stdout: " + r.out());
        assertEquals(1, r.code(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("dro.ModelLoadException: Cannot load the llama.cpp native library from "), r.err());
        assertTrue(r.err().contains(": the JDK denies native access (") && r.err().contains(
                "); add --enable-native-access=ALL-UNNAMED to the java command\n"), r.err());
    }

    @Test
    void theJarIsMultiReleaseWithItsJava22ClassesWhenBuiltOnJava22OrLater() throws Exception {
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(System.getProperty("project.jar"))) {
            java.util.jar.Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("true", main.getValue("Multi-Release"));
            assertEquals("ALL-UNNAMED", main.getValue("Enable-Native-Access"));
            // This build's JDK is the JDK the tests run on.
            assertEquals(Runtime.version().feature() >= 22,
                    jar.getEntry("META-INF/versions/22/dro/backend/llamacpp/RawMemory.class") != null);
        }
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
