package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dro.InvalidRequestException;
import dro.Environment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NativeBuild}: the tool checks (on a PATH of fake executables this test writes), the exact commands of a dry
 * run, the install location and manifest, and real CMake runs on a stand-in java-llama.cpp project this test writes.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class NativeBuildTest {

    private static final NativeBuild.ProcessRunner MUST_NOT_RUN = (c, d, o) -> fail("ran " + c);

    @TempDir
    Path tmp;

    private static Path executable(Path file, String script) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** A directory of fake tools and a fake JDK with JNI headers. */
    private Map<String, String> fakeTools(String... names) throws IOException {
        Path bin = tmp.resolve("bin");
        Files.createDirectories(bin);
        for (String n : names) {
            executable(bin.resolve(n), "#!/bin/sh\nexit 0\n");
        }
        Path jdk = tmp.resolve("jdk");
        Files.createDirectories(jdk.resolve("include/linux"));
        Files.writeString(jdk.resolve("include/jni.h"), "/* fake */\n");
        return Map.of("PATH", bin.toString(), "JAVA_HOME", jdk.toString(), "CUDA_HOME", tmp.resolve("no-cuda")
                .toString());
    }

    private NativeBuild.Builder builder(Map<String, String> env) {
        return NativeBuild.builder().environment(Environment.of(env)).cacheRoot(tmp.resolve("cache"))
                .bindingVersion("4.2.0").platform("Linux", "x86_64").javaHome(null).jobs(3)
                .processRunner(MUST_NOT_RUN);
    }

    @Test
    void theBindingVersionIsReadFromTheBindingsJar() {
        assertEquals("4.2.0", NativeChoice.bindingVersion());
    }

    @Test
    void aDryRunOfACudaBuildNamesEveryToolAndEveryCommandExactly() throws IOException {
        Map<String, String> env = fakeTools("git", "cmake", "cc", "c++", "nvcc");
        NativeBuild.Plan plan = builder(env).cuda(true).cudaArchitectures("86, 89").build().plan();
        String b = tmp.resolve("bin").toString();
        String j = tmp.resolve("jdk").toString();
        String c = tmp.resolve("cache").toString();
        assertEquals("Would build the llama.cpp library of de.kherud:llama 4.2.0 for CUDA (architectures 86;89)"
                + " with the host's CPU features, 3 parallel job(s).\n"
                + "Tools:\n"
                + "  git: " + b + "/git\n"
                + "  cmake: " + b + "/cmake\n"
                + "  cc: " + b + "/cc\n"
                + "  c++: " + b + "/c++\n"
                + "  nvcc: " + b + "/nvcc\n"
                + "  jni.h: " + j + "/include/jni.h\n"
                + "Commands:\n"
                + "  1. clone (in " + c + "/natives/build): " + b + "/git clone --depth 1 --branch v4.2.0"
                + " https://github.com/kherud/java-llama.cpp " + c + "/natives/build/java-llama.cpp-4.2.0\n"
                + "  2. configure (in " + c + "/natives/build): " + b + "/cmake -S " + c
                + "/natives/build/java-llama.cpp-4.2.0 -B " + c + "/natives/build/4.2.0-cuda"
                + " -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DOS_NAME=Linux -DOS_ARCH=x86_64"
                + " '-DJNI_INCLUDE_DIRS=" + j + "/include;" + j + "/include/linux' -DCMAKE_C_COMPILER=" + b
                + "/cc -DCMAKE_CXX_COMPILER=" + b + "/c++ -DGGML_CUDA=ON -DCMAKE_CUDA_COMPILER=" + b + "/nvcc"
                + " '-DCMAKE_CUDA_ARCHITECTURES=86;89'\n"
                + "  3. build (in " + c + "/natives/build): " + b + "/cmake --build " + c + "/natives/build/4.2.0-cuda"
                + " --config Release --target jllama --parallel 3\n"
                + "Then installs " + c + "/natives/build/java-llama.cpp-4.2.0/src/main/resources_linux_cuda/de/kherud/"
                + "llama/Linux/x86_64/" + System.mapLibraryName("jllama") + "\n"
                + "  into " + c + "/natives/4.2.0-cuda (with dro-native.json).\n", plan.describe());
        assertEquals(tmp.resolve("cache/natives/4.2.0-cuda"), plan.installDirectory());
    }

    @Test
    void aCpuBuildFromALocalSourceNeedsNoGitAndNoNvccAndInstallsIntoTheCpuDirectory() throws IOException {
        Map<String, String> env = fakeTools("cmake", "gcc", "g++");
        Path src = standIn(tmp.resolve("src"), "4.2.0", "");
        NativeBuild.Plan plan = builder(env).source(src).build().plan();
        assertEquals(List.of("configure", "build"), plan.steps().stream().map(NativeBuild.Step::name).toList());
        assertEquals(List.of("cmake", "cc", "c++", "jni.h"), plan.tools().stream().map(NativeBuild.Tool::name)
                .toList());
        assertEquals(tmp.resolve("bin/gcc"), plan.tools().get(1).path());
        assertEquals(tmp.resolve("bin/g++"), plan.tools().get(2).path());
        assertFalse(plan.steps().get(0).command().contains("-DGGML_CUDA=ON"));
        assertEquals(src.resolve("src/main/resources/de/kherud/llama/Linux/x86_64/"
                + System.mapLibraryName("jllama")), plan.builtLibrary());
        assertEquals(tmp.resolve("cache/natives/4.2.0-cpu"), plan.installDirectory());
    }

    @Test
    void everyMissingToolIsNamedWithHowToInstallItAndNothingRuns() throws IOException {
        Map<String, String> env = Map.of("PATH", tmp.resolve("empty-bin").toString(), "JAVA_HOME",
                tmp.resolve("jre").toString(), "CUDA_HOME", tmp.resolve("cuda").toString(), "CXX", "clang++-99");
        NativeBuildException e = assertThrows(NativeBuildException.class,
                () -> builder(env).cuda(true).build().run(NativeBuild.Listener.NONE));
        assertEquals("Cannot build the llama.cpp library: 6 tools are missing. Nothing was run.\n"
                + "  - git (to clone https://github.com/kherud/java-llama.cpp): not found on PATH. Debian/Ubuntu:"
                + " sudo apt-get install git; elsewhere: https://git-scm.com/downloads, or pass --source DIR with a"
                + " checkout of java-llama.cpp v4.2.0.\n"
                + "  - cmake (3.14 or newer): not found on PATH. Debian/Ubuntu: sudo apt-get install cmake;"
                + " elsewhere: https://cmake.org/download/ or pip install cmake.\n"
                + "  - a C compiler: cc, gcc or clang not found on PATH. Debian/Ubuntu: sudo apt-get install gcc (or"
                + " build-essential); elsewhere: GCC or Clang, or set CC to one.\n"
                + "  - a C++ compiler: $CXX is clang++-99, which is not an executable. Debian/Ubuntu: sudo apt-get"
                + " install g++ (or build-essential); elsewhere: GCC or Clang, or set CXX to one.\n"
                + "  - nvcc (the CUDA compiler, for --cuda): not found on PATH or in " + tmp.resolve("cuda/bin")
                + " ($CUDA_HOME/bin). Debian/Ubuntu: sudo apt-get install nvidia-cuda-toolkit; elsewhere: NVIDIA's"
                + " CUDA Toolkit (https://developer.nvidia.com/cuda-downloads), then put its bin directory on PATH or"
                + " set CUDACXX.\n"
                + "  - a JDK with JNI headers (include/jni.h): " + tmp.resolve("jre/include/jni.h")
                + " does not exist. Debian/Ubuntu: sudo apt-get install openjdk-17-jdk-headless; elsewhere: any JDK"
                + " 17 or newer (https://adoptium.net), then set JAVA_HOME to it.", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("cache")), "nothing was prepared");
    }

    @Test
    void nvccIsFoundThroughCudaHomeWhenItIsNotOnThePath() throws IOException {
        Map<String, String> env = new java.util.HashMap<>(fakeTools("git", "cmake", "cc", "c++"));
        Path nvcc = executable(tmp.resolve("cuda/bin/nvcc"), "#!/bin/sh\nexit 0\n");
        env.put("CUDA_HOME", tmp.resolve("cuda").toString());
        NativeBuild.Plan plan = builder(env).cuda(true).build().plan();
        assertTrue(plan.steps().get(1).command().contains("-DCMAKE_CUDA_COMPILER=" + nvcc), plan.describe());
        assertFalse(plan.steps().get(1).command().stream().anyMatch(a -> a.startsWith("-DCMAKE_CUDA_ARCHITECTURES")),
                "CMake's default architectures");
    }

    @Test
    void aSourceAtAnotherVersionIsRefusedNamingBothVersions() throws IOException {
        Map<String, String> env = fakeTools("cmake", "cc", "c++");
        Path src = standIn(tmp.resolve("old"), "4.1.0", "");
        NativeBuildException e = assertThrows(NativeBuildException.class,
                () -> builder(env).source(src).build().plan());
        assertEquals("--source " + src + " is java-llama.cpp 4.1.0, but dro4j uses de.kherud:llama 4.2.0: check"
                + " out its tag v4.2.0 (git checkout v4.2.0)", e.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        NativeBuildException e2 = assertThrows(NativeBuildException.class,
                () -> builder(env).source(empty).build().plan());
        assertEquals("--source " + empty + " is not a java-llama.cpp checkout: it has no CMakeLists.txt",
                e2.getMessage());
    }

    @Test
    void badSettingsAreRejectedNamingTheValue() {
        InvalidRequestException jobs = assertThrows(InvalidRequestException.class,
                () -> NativeBuild.builder().jobs(0).build());
        assertEquals("jobs must be 1 or more, but was 0", jobs.getMessage());
        InvalidRequestException arch = assertThrows(InvalidRequestException.class,
                () -> NativeBuild.builder().cuda(true).cudaArchitectures("86,sm_89").build());
        assertEquals("CUDA architecture \"sm_89\" in \"86,sm_89\" is not one CMake knows: use numbers such as 75,86,89"
                + " (or native, all, all-major)", arch.getMessage());
        InvalidRequestException noCuda = assertThrows(InvalidRequestException.class,
                () -> NativeBuild.builder().cudaArchitectures("86").build());
        assertEquals("CUDA architectures \"86\" need a CUDA build (--cuda)", noCuda.getMessage());
    }

    @Test
    void aFailingStepNamesTheStepItsCommandItsExitCodeAndItsLastLines() throws IOException {
        Map<String, String> env = fakeTools("cmake", "cc", "c++");
        Path src = standIn(tmp.resolve("src"), "4.2.0", "");
        NativeBuild.ProcessRunner failing = (command, dir, out) -> {
            for (int i = 1; i <= 30; i++) {
                out.accept("line " + i);
            }
            return command.contains("--build") ? 2 : 0;
        };
        List<String> seen = new ArrayList<>();
        NativeBuildException e = assertThrows(NativeBuildException.class, () -> builder(env).source(src)
                .processRunner(failing).build().run(new NativeBuild.Listener() {
                    @Override
                    public void step(int number, int total, NativeBuild.Step step) {
                        seen.add(number + "/" + total + " " + step.name());
                    }
                }));
        StringBuilder expected = new StringBuilder("Step 2 of 3 (build) failed with exit code 2: " + tmp.resolve("bin")
                + "/cmake --build " + tmp.resolve("cache/natives/build/4.2.0-cpu") + " --config Release --target"
                + " jllama --parallel 3\nThe last 25 line(s) of its output:");
        for (int i = 6; i <= 30; i++) {
            expected.append("\n  line ").append(i);
        }
        assertEquals(expected.toString(), e.getMessage());
        assertEquals(List.of("1/3 configure", "2/3 build"), seen);
        assertFalse(Files.exists(tmp.resolve("cache/natives/4.2.0-cpu")), "nothing installed");
    }

    @Test
    void aStepThatCannotStartIsNamed() throws IOException {
        Map<String, String> env = fakeTools("cmake", "cc", "c++");
        Path src = standIn(tmp.resolve("src"), "4.2.0", "");
        NativeBuildException e = assertThrows(NativeBuildException.class, () -> builder(env).source(src)
                .processRunner((c, d, o) -> {
                    throw new IOException("error=13, Permission denied");
                }).build().run(NativeBuild.Listener.NONE));
        assertTrue(e.getMessage().startsWith("Step 1 of 3 (configure) could not start: " + tmp.resolve("bin")
                + "/cmake -S " + src + " -B "), e.getMessage());
        assertTrue(e.getMessage().endsWith(": error=13, Permission denied"), e.getMessage());
    }

    @Test
    void theRealCmakeBuildsAStandInProjectAndTheLibraryIsInstalledWithAManifest() throws IOException {
        Path src = standIn(tmp.resolve("java-llama.cpp"), "4.2.0", "");
        Path cache = tmp.resolve("cache");
        List<String> steps = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        Instant before = Instant.now().minusSeconds(1);
        NativeBuild.Result r = NativeBuild.builder().source(src).cacheRoot(cache).jobs(1)
                .environment(realTools()).build().run(listener(steps, lines));
        Path installed = cache.resolve("natives/4.2.0-cpu").resolve(System.mapLibraryName("jllama"));
        assertEquals(installed, r.library());
        assertEquals(List.of("1/3 configure", "2/3 build", "3/3 install"), steps);
        assertTrue(lines.contains("-- stand-in: Release build, GGML_NATIVE=ON, CUDA=OFF"), String.join("\n", lines));
        assertArrayEquals(Files.readAllBytes(src.resolve("src/main/resources/de/kherud/llama/"
                + NativeLibrary.osFolder() + "/" + NativeLibrary.archFolder() + "/"
                + System.mapLibraryName("jllama"))), Files.readAllBytes(installed));
        assertTrue(r.daemonThreads(), "the stand-in defines g_vm as jllama.cpp does");
        NativeManifest m = NativeManifest.read(installed.getParent()).orElseThrow();
        assertEquals("4.2.0", m.bindingVersion());
        assertEquals("b1234", m.llamaCppVersion());
        assertFalse(m.cuda());
        assertNull(m.cudaArchitectures());
        assertEquals(src.toString(), m.source());
        assertFalse(Instant.parse(m.builtAt()).isBefore(before.minusSeconds(1)));
        assertEquals(m, r.manifest());
        NativeChoice chosen = NativeChoice.choose(null, 0, null, cache, "4.2.0");
        assertEquals(new NativeChoice(NativeChoice.Origin.CACHED_CPU, installed.getParent(), m), chosen);
        NativeInfo info = NativeInfo.of(chosen); // the stand-in is no binding: loading a model fails, and says so
        assertEquals("a JVM loading " + installed.getParent() + " (NativeProbe) ended with exit code 1: Exception in"
                + " thread \"main\" java.lang.UnsatisfiedLinkError: 'void de.kherud.llama.LlamaModel.loadModel"
                + "(java.lang.String[])'", info.probeError());
    }

    @Test
    void withoutASourceItClonesTheBindingsTagThenBuildsTheClone() throws IOException {
        Path standIn = standIn(tmp.resolve("upstream"), "4.2.0", "");
        Path bin = tmp.resolve("fake-git");
        Path args = tmp.resolve("git-args.txt");
        // A git that records its arguments and "clones" the stand-in into its last argument.
        executable(bin.resolve("git"), "#!/bin/sh\necho \"$@\" > '" + args + "'\nfor last; do :; done\n"
                + "cp -R '" + standIn + "' \"$last\"\necho \"Cloning into '$last'...\"\n");
        Map<String, String> env = new java.util.HashMap<>();
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Path cache = tmp.resolve("cache");
        Path clone = cache.resolve("natives/build/java-llama.cpp-4.2.0");
        Files.createDirectories(clone.resolve("leftover")); // an earlier, partial clone is replaced
        List<String> steps = new ArrayList<>();
        NativeBuild.Result r = NativeBuild.builder().cacheRoot(cache).jobs(1).environment(Environment.of(env))
                .build().run(listener(steps, new ArrayList<>()));
        assertEquals("clone --depth 1 --branch v4.2.0 https://github.com/kherud/java-llama.cpp " + clone,
                Files.readString(args).strip());
        assertEquals(List.of("1/4 clone", "2/4 configure", "3/4 build", "4/4 install"), steps);
        assertEquals("https://github.com/kherud/java-llama.cpp v4.2.0", r.manifest().source());
        assertTrue(Files.isRegularFile(r.library()));
        assertFalse(Files.exists(clone.resolve("leftover")));
    }

    @Test
    void aFailingCmakeConfigureIsReportedWithItsOwnErrorAndTheInstalledLibraryStays() throws IOException {
        Path src = standIn(tmp.resolve("src"), "4.2.0", "message(FATAL_ERROR \"stand-in: no compiler for you\")\n");
        Path cache = tmp.resolve("cache");
        Path installed = Files.createDirectories(cache.resolve("natives/4.2.0-cpu"));
        Files.writeString(installed.resolve(System.mapLibraryName("jllama")), "the earlier build");
        NativeBuildException e = assertThrows(NativeBuildException.class, () -> NativeBuild.builder().source(src)
                .cacheRoot(cache).jobs(1).environment(realTools()).build().run(NativeBuild.Listener.NONE));
        String first = e.getMessage().lines().findFirst().orElseThrow();
        assertTrue(first.matches("Step 1 of 3 \\(configure\\) failed with exit code 1: \\S+/cmake -S \\Q" + src
                + "\\E -B .*"), first);
        assertTrue(e.getMessage().lines().anyMatch(l -> l.equals("    stand-in: no compiler for you")),
                e.getMessage());
        assertEquals("the earlier build", Files.readString(installed.resolve(System.mapLibraryName("jllama"))));
    }

    private static Environment realTools() {
        return Environment.of(Map.of("PATH", System.getenv("PATH"), "JAVA_HOME", System.getProperty("java.home")));
    }

    private static NativeBuild.Listener listener(List<String> steps, List<String> lines) {
        return new NativeBuild.Listener() {
            @Override
            public void step(int number, int total, NativeBuild.Step step) {
                steps.add(number + "/" + total + " " + step.name());
            }

            @Override
            public void output(String line) {
                lines.add(line);
            }
        };
    }

    /**
     * A stand-in for java-llama.cpp: a pom.xml naming its version and a CMakeLists.txt that, like the real one,
     * reads OS_NAME, OS_ARCH, JNI_INCLUDE_DIRS and GGML_CUDA and writes libjllama into src/main/resources*; its one
     * source file defines {@code g_vm} as jllama.cpp does. {@code extra} is CMake code run first.
     */
    static Path standIn(Path dir, String version, String extra) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("pom.xml"), "<project>\n  <modelVersion>4.0.0</modelVersion>\n"
                + "  <groupId>de.kherud</groupId>\n  <artifactId>llama</artifactId>\n  <version>" + version
                + "</version>\n</project>\n");
        Files.writeString(dir.resolve("CMakeLists.txt"), "cmake_minimum_required(VERSION 3.14)\n"
                + "project(jllama CXX)\n" + extra
                + "if(FALSE)\n  FetchContent_Declare(\n    llama.cpp\n    GIT_REPOSITORY https://example.invalid/llama.cpp\n"
                + "    GIT_TAG        b1234\n  )\nendif()\n"
                + "if(NOT GGML_NATIVE OR NOT CMAKE_BUILD_TYPE STREQUAL \"Release\" OR NOT OS_NAME OR NOT OS_ARCH)\n"
                + "  message(FATAL_ERROR \"stand-in: missing settings\")\nendif()\n"
                + "if(GGML_CUDA)\n  set(OUT ${CMAKE_SOURCE_DIR}/src/main/resources_linux_cuda/de/kherud/llama/${OS_NAME}/${OS_ARCH})\n"
                + "  set(CUDA ON)\nelse()\n  set(OUT ${CMAKE_SOURCE_DIR}/src/main/resources/de/kherud/llama/${OS_NAME}/${OS_ARCH})\n"
                + "  set(CUDA OFF)\nendif()\n"
                + "message(STATUS \"stand-in: ${CMAKE_BUILD_TYPE} build, GGML_NATIVE=${GGML_NATIVE}, CUDA=${CUDA}\")\n"
                + "add_library(jllama SHARED jllama.cpp)\n"
                + "target_include_directories(jllama PRIVATE ${JNI_INCLUDE_DIRS})\n"
                + "set_target_properties(jllama PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${OUT})\n");
        Files.writeString(dir.resolve("jllama.cpp"), "#include <jni.h>\n"
                + "namespace {\nJavaVM *g_vm = nullptr;\n}\n"
                + "extern \"C\" JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *) {\n"
                + "    g_vm = vm;\n    return JNI_VERSION_1_6;\n}\n"
                + "extern \"C\" JNIEXPORT JavaVM *dro_stand_in_vm() { return g_vm; }\n");
        return dir;
    }
}
