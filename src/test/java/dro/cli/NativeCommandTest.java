package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.Environment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
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

    /** A bin directory with cmake, cc and c++ that do nothing. */
    private Path fakeTools() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String tool : new String[] {"cmake", "cc", "c++"}) {
            Path f = Files.writeString(bin.resolve(tool), "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    /** A JDK's include directory with an empty jni.h. */
    private Path fakeJdkInclude() throws IOException {
        Path jdk = Files.createDirectories(tmp.resolve("jdk/include"));
        Files.writeString(jdk.resolve("jni.h"), "");
        return jdk;
    }

    /** A local java-llama.cpp checkout at 4.2.0, as far as the dry run looks. */
    private Path bindingCheckout() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("java-llama.cpp"));
        Files.writeString(src.resolve("CMakeLists.txt"), "project(jllama CXX)\n");
        Files.writeString(src.resolve("pom.xml"), "<project><artifactId>llama</artifactId><version>4.2.0</version>"
                + "</project>");
        return src;
    }

    @Test
    void aDryRunChecksTheToolsAndPrintsTheCommandsAndWhereTheLibraryGoes() throws IOException {
        Path bin = fakeTools();
        Path jdk = fakeJdkInclude();
        Path src = bindingCheckout();
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
                + "/natives/build/4.2.0-cpu -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_OPENMP=OFF"
                + " -DOS_NAME=Linux -DOS_ARCH="
                + arch + " -DJNI_INCLUDE_DIRS=" + jdk + " -DCMAKE_C_COMPILER=" + bin + "/cc -DCMAKE_CXX_COMPILER="
                + bin + "/c++\n"
                + "  2. build (in " + cache + "/natives/build): " + bin + "/cmake --build " + cache
                + "/natives/build/4.2.0-cpu --config Release --target jllama --parallel 2\n"
                + "Then installs " + src + "/src/main/resources/de/kherud/llama/Linux/" + arch + "/libjllama.so\n"
                + "  into " + cache + "/natives/4.2.0-cpu (with dro-native.json).\n"
                + "Sources:\n"
                + "  java-llama.cpp: " + src + " (local, 4.2.0)\n"
                + "Network: not needed, every source is local.\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void openMpIsOffUnlessAskedFor() throws IOException {
        Path bin = fakeTools();
        Path jdk = fakeJdkInclude();
        Path src = bindingCheckout();
        Environment env = Environment.of(Map.of("PATH", bin.toString(), "JAVA_HOME", jdk.getParent().toString()));
        CliRun off = CliRun.dro(env, "native", "build", "--source", src.toString(), "--dry-run");
        CliRun on = CliRun.dro(env, "native", "build", "--source", src.toString(), "--openmp", "--dry-run");
        assertEquals(0, off.code(), off.err());
        assertEquals(0, on.code(), on.err());
        assertTrue(off.out().contains(" -DGGML_NATIVE=ON -DGGML_OPENMP=OFF -DOS_NAME="), off.out());
        assertTrue(on.out().contains(" -DGGML_NATIVE=ON -DGGML_OPENMP=ON -DOS_NAME="), on.out());
        assertEquals(off.out(), on.out().replace("-DGGML_OPENMP=ON", "-DGGML_OPENMP=OFF"));
    }

    @Test
    void buildHelpDocumentsEveryFlagAndTheOfflineBuild() {
        CliRun r = CliRun.dro("native", "build", "--help");
        assertEquals(0, r.code(), r.err());
        for (String flag : List.of("--cuda", "--openmp", "--cuda-arch", "--jobs", "--source", "--llama-cpp-source",
                "--json-source", "--allow-other-llama-cpp", "--dry-run", "--help", "--version")) {
            assertTrue(r.out().matches("(?s).*" + java.util.regex.Pattern.quote(flag) + "[\\s=\\]].*"),
                    flag + " in:\n" + r.out());
        }
        String oneLine = r.out().replaceAll("\\s+", " ");
        assertTrue(oneLine.contains("With all three sources local (--source, --llama-cpp-source, --json-source) the"
                + " build needs no network."), r.out());
        assertTrue(r.out().contains("\n  bin/dro native build --source java-llama.cpp \\\n"
                + "      --llama-cpp-source llama.cpp --json-source json\n"), r.out());
    }

    @Test
    void theLocalSourceOptionsReachTheBuildAndAnotherLlamaCppNeedsItsOwnFlag() throws IOException {
        Path bin = fakeTools();
        Path jdk = fakeJdkInclude();
        Path src = Files.createDirectories(tmp.resolve("java-llama.cpp"));
        Files.writeString(src.resolve("CMakeLists.txt"), "project(jllama CXX)\nFetchContent_Declare(\n\tjson\n"
                + "\tGIT_TAG        v3.11.3\n)\nFetchContent_Declare(\n\tllama.cpp\n\tGIT_TAG        b4916\n)\n");
        Files.writeString(src.resolve("pom.xml"), "<project><artifactId>llama</artifactId><version>4.2.0</version>"
                + "</project>");
        Path llama = Files.createDirectories(tmp.resolve("llama.cpp/.git"));
        Files.writeString(llama.resolve("HEAD"), "c392e5094dea0123456789abcdef0123456789ab\n");
        llama = llama.getParent();
        Files.writeString(llama.resolve("CMakeLists.txt"), "project(\"llama.cpp\" C CXX)\n");
        Path json = Files.createDirectories(tmp.resolve("json"));
        Files.writeString(json.resolve("CMakeLists.txt"), "project(nlohmann_json VERSION 3.11.3 LANGUAGES CXX)\n");
        Environment env = Environment.of(Map.of("PATH", bin.toString(), "JAVA_HOME", jdk.getParent().toString()));
        CliRun refused = CliRun.dro(env, "native", "build", "--source", src.toString(), "--llama-cpp-source",
                llama.toString(), "--json-source", json.toString(), "--dry-run");
        assertEquals(1, refused.code());
        assertEquals("", refused.out());
        assertEquals("dro: error: --llama-cpp-source " + llama + " is llama.cpp commit c392e5094dea, but"
                + " java-llama.cpp 4.2.0 pins b4916: the binding's C++ may not compile against another llama.cpp, or"
                + " the library may misbehave. Either check out b4916 there (git -C " + llama + " checkout b4916), or"
                + " pass --allow-other-llama-cpp to build with it anyway.\n", refused.err());
        CliRun r = CliRun.dro(env, "native", "build", "--source", src.toString(), "--llama-cpp-source",
                llama.toString(), "--json-source", json.toString(), "--allow-other-llama-cpp", "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(" -DFETCHCONTENT_SOURCE_DIR_JSON=" + json + " -DFETCHCONTENT_SOURCE_DIR_LLAMA.CPP="
                + llama + " -DFETCHCONTENT_FULLY_DISCONNECTED=ON\n"), r.out());
        assertTrue(r.out().endsWith("Sources:\n"
                + "  java-llama.cpp: " + src + " (local, 4.2.0)\n"
                + "  json: " + json + " (local, 3.11.3)\n"
                + "  llama.cpp: " + llama + " (local, commit c392e5094dea; java-llama.cpp pins b4916)\n"
                + "Network: not needed, every source is local.\n"
                + "Warning: --llama-cpp-source " + llama + " is llama.cpp commit c392e5094dea, but java-llama.cpp"
                + " 4.2.0 pins b4916 (allowed by --allow-other-llama-cpp): the binding's C++ may not compile against"
                + " another llama.cpp, or the library may misbehave.\n"), r.out());
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
        java.util.Optional<String> wider = dro.backend.llamacpp.NativeLibrary.cpuExtensionsBeyondBundled();
        if (wider.isPresent()) {
            assertEquals("This CPU has " + wider.get() + ", which this library does not use: 'dro native build' makes"
                    + " one for this CPU (see docs/NATIVE-AND-GPU.md).", lines[6]);
        } else {
            assertFalse(r.out().contains("This CPU has"), r.out());
        }
    }
}
