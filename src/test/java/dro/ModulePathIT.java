package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void theCommandLineRunsAsModuleDro4jAndReportsTheBundledLlamaCppBuild(@TempDir Path tmp) throws Exception {
        List<String> modulePath = new ArrayList<>();
        modulePath.add(System.getProperty("project.jar"));
        try (Stream<Path> jars = Files.list(Path.of("target/lib"))) {
            jars.map(Path::toString).sorted()
                    // okio-<version>.jar holds only Kotlin metadata and takes the module name of okio-jvm: two
                    // modules named okio stop the JVM at boot, so a module path leaves it out.
                    .filter(j -> !Path.of(j).getFileName().toString().matches("okio-[0-9.]+\\.jar"))
                    .forEach(modulePath::add);
        }
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Ddro4j.cache.dir=" + tmp.resolve("cache"),
                "-p", String.join(File.pathSeparator, modulePath), "--add-modules", "info.picocli",
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
