package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.Environment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** {@code dro native build} and {@code dro native info} as a user runs them. */
@EnabledOnOs(OS.LINUX)
class NativeCommandTest {

    @TempDir
    Path tmp;

    @Test
    void aDryRunChecksTheToolsAndPrintsTheCommandsAndWhereTheLibraryGoes() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String tool : new String[] {"cmake", "cc", "c++"}) {
            Path f = Files.writeString(bin.resolve(tool), "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path jdk = Files.createDirectories(tmp.resolve("jdk/include"));
        Files.writeString(jdk.resolve("jni.h"), "");
        Path src = Files.createDirectories(tmp.resolve("java-llama.cpp"));
        Files.writeString(src.resolve("CMakeLists.txt"), "project(jllama CXX)\n");
        Files.writeString(src.resolve("pom.xml"), "<project><artifactId>llama</artifactId><version>4.2.0</version>"
                + "</project>");
        CliRun r = CliRun.dro(Environment.of(Map.of("PATH", bin.toString(), "JAVA_HOME", jdk.getParent().toString())),
                "native", "build", "--source", src.toString(), "--jobs", "2", "--dry-run");
        assertEquals(0, r.code(), r.err());
        Path cache = Path.of(System.getProperty("dro4j.cache.dir")).toAbsolutePath().normalize();
        String arch = System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch");
        assertEquals("Would build the llama.cpp library of de.kherud:llama 4.2.0 for the CPU with the host's CPU"
                + " features, 2 parallel job(s).\n"
                + "Tools:\n"
                + "  cmake: " + bin + "/cmake\n"
                + "  cc: " + bin + "/cc\n"
                + "  c++: " + bin + "/c++\n"
                + "  jni.h: " + jdk + "/jni.h\n"
                + "Commands:\n"
                + "  1. configure (in " + cache + "/natives/build): " + bin + "/cmake -S " + src + " -B " + cache
                + "/natives/build/4.2.0-cpu -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DOS_NAME=Linux -DOS_ARCH="
                + arch + " -DJNI_INCLUDE_DIRS=" + jdk + " -DCMAKE_C_COMPILER=" + bin + "/cc -DCMAKE_CXX_COMPILER="
                + bin + "/c++\n"
                + "  2. build (in " + cache + "/natives/build): " + bin + "/cmake --build " + cache
                + "/natives/build/4.2.0-cpu --config Release --target jllama --parallel 2\n"
                + "Then installs " + src + "/src/main/resources/de/kherud/llama/Linux/" + arch + "/libjllama.so\n"
                + "  into " + cache + "/natives/4.2.0-cpu (with dro-native.json).\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void missingToolsEndTheCommandWithOneErrorNamingThem() {
        CliRun r = CliRun.dro(Environment.of(Map.of("PATH", tmp.toString(), "JAVA_HOME", tmp.toString(),
                "CUDA_HOME", tmp.toString())), "native", "build", "--cuda", "--dry-run");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("dro: error: Cannot build the llama.cpp library: 6 tools are missing. Nothing"
                + " was run.\n  - git (to clone https://github.com/kherud/java-llama.cpp): not found on PATH."),
                r.err());
    }

    @Test
    void badOptionsAreNamed() {
        CliRun r = CliRun.dro("native", "build", "--cuda-arch", "86", "--dry-run");
        assertEquals(1, r.code());
        assertEquals("dro: error: CUDA architectures \"86\" need a CUDA build (--cuda)\n", r.err());
        CliRun none = CliRun.dro("native");
        assertEquals(2, none.code());
        assertTrue(none.err().startsWith("Missing subcommand: build or info\n"), none.err());
    }

    @Test
    @EnabledIfSystemProperty(named = "os.arch", matches = "amd64|x86_64")
    void infoOnThisMachineShowsTheBundledCpuLibraryAndNoCuda() {
        CliRun r = CliRun.dro("native", "info");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("Library: ") && lines[0].endsWith("/libjllama.so"), r.out());
        assertTrue(lines[1].matches("  (loaded|would be loaded): the CPU library bundled with de.kherud:llama"),
                r.out());
        assertEquals("Binding: de.kherud:llama 4.2.0", lines[2]);
        assertEquals("llama.cpp: build 4916 (c6af2161)", lines[3]);
        assertEquals("CPU features: SSE3, SSSE3, AVX, AVX2, F16C, FMA, BMI2, LLAMAFILE, OPENMP, AARCH64_REPACK",
                lines[4]);
        assertEquals("CUDA: not in this library", lines[5]);
    }
}
