package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as the named module {@code dro4j} on the module path, in a JVM of its own: the command line
 * ({@code dro4j/dro.cli.Main}, with the optional picocli added) reports the real bundled llama.cpp library, which
 * takes the module's reads of the binding and its child JVM (the native probe) started from the module path.
 * {@code BinDroIT}, {@code JvmExitIT} and {@code ConsumerProjectIT} run the same jar on the class path.
 */
class ModulePathIT {

    /** What README tells a module-path user to add on Java 24+: the binding's automatic module and dro4j. */
    static final String NATIVE_ACCESS = "--enable-native-access=llama,dro4j";

    record Run(int code, String out, String err) { }

    /** {@code dro4j/dro.cli.Main} with {@code args}, the JVM options {@code jvmArgs} first. */
    static Run cli(Path tmp, List<String> jvmArgs, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Ddro4j.cache.dir=" + System.getProperty("dro4j.cache.dir")));
        command.addAll(jvmArgs);
        command.addAll(List.of("-p", modulePath(), "--add-modules", "info.picocli", "-m", "dro4j/dro.cli.Main"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("still running after 120 s: " + command + "\n" + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void onTheModulePathAModelAnswersAndWithNativeAccessForLlamaAndDro4jTheJdkSaysNothing(@TempDir Path tmp)
            throws Exception {
        Run r = cli(tmp, List.of(NATIVE_ACCESS), "generate", "--model", dro.testing.TestModels.scriptedBase()
                .toString(), "--no-icl", "--temperature", "0", "Hi?");
        assertEquals(0, r.code(), r.err());
        assertEquals("Hi\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void onTheModulePathWithoutNativeAccessDro4jNamesBothModulesAndNeverUsesUnsafe(@TempDir Path tmp)
            throws Exception {
        Run r = cli(tmp, List.of(), "generate", "--model", dro.testing.TestModels.scriptedBase().toString(),
                "--no-icl", "--temperature", "0", "Hi?");
        assertEquals(0, r.code(), r.err());
        assertEquals("Hi\n", r.out());
        assertFalse(r.err().contains("sun.misc.Unsafe"), r.err());
        if (Runtime.version().feature() < 24) {
            assertEquals("", r.err());
        } else {
            assertTrue(r.err().contains("java.lang.System::load has been called by de.kherud.llama.LlamaLoader in"
                    + " module llama"), r.err());
            assertTrue(r.err().contains("Native access is not enabled for java-llama.cpp and dro4j (the JDK's"
                    + " \"restricted method\" warning above; a later JDK will refuse to load llama.cpp): add"
                    + " --enable-native-access=llama,dro4j to the java command\n"), r.err());
        }
    }

    static String modulePath() throws Exception {
        List<String> modulePath = new ArrayList<>();
        modulePath.add(System.getProperty("project.jar"));
        try (Stream<Path> jars = Files.list(Path.of("target/lib"))) {
            jars.map(Path::toString).sorted()
                    // okio-<version>.jar holds only Kotlin metadata and takes the module name of okio-jvm: two
                    // modules named okio stop the JVM at boot, so a module path leaves it out.
                    .filter(j -> !Path.of(j).getFileName().toString().matches("okio-[0-9.]+\\.jar"))
                    .forEach(modulePath::add);
        }
        return String.join(File.pathSeparator, modulePath);
    }

    @Test
    void theCommandLineRunsAsModuleDro4jAndReportsTheBundledLlamaCppBuild(@TempDir Path tmp) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Ddro4j.cache.dir=" + tmp.resolve("cache"),
                "-p", modulePath(), "--add-modules", "info.picocli",
                "-m", "dro4j/dro.cli.Main", "native", "info");
        Path out = tmp.resolve("out.txt");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("Binding: de.kherud:llama 4.2.0\n"), text);
        assertTrue(text.contains("llama.cpp: build 4916 (c6af2161)\n"), text);
        assertTrue(text.contains("CUDA: not in this library\n"), text);
    }
}
