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
                + " -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_OPENMP=OFF -DOS_NAME=Linux -DOS_ARCH=x86_64"
                + " '-DJNI_INCLUDE_DIRS=" + j + "/include;" + j + "/include/linux' -DCMAKE_C_COMPILER=" + b
                + "/cc -DCMAKE_CXX_COMPILER=" + b + "/c++ -DGGML_CUDA=ON -DCMAKE_CUDA_COMPILER=" + b + "/nvcc"
                + " '-DCMAKE_CUDA_ARCHITECTURES=86;89'\n"
                + "  3. build (in " + c + "/natives/build): " + b + "/cmake --build " + c + "/natives/build/4.2.0-cuda"
                + " --config Release --target jllama --parallel 3\n"
                + "Then installs " + c + "/natives/build/java-llama.cpp-4.2.0/src/main/resources_linux_cuda/de/kherud/"
                + "llama/Linux/x86_64/" + System.mapLibraryName("jllama") + "\n"
                + "  into " + c + "/natives/4.2.0-cuda (with dro-native.json).\n"
                + "Sources:\n"
                + "  java-llama.cpp: cloned from https://github.com/kherud/java-llama.cpp (tag v4.2.0)\n"
                + "  json: fetched by CMake while configuring (tag v3.11.3)\n"
                + "  llama.cpp: fetched by CMake while configuring (tag b4916)\n"
                + "Network: needed for java-llama.cpp, json, llama.cpp.\n", plan.describe());
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
        assertTrue(lines.contains("-- stand-in: Release build, GGML_NATIVE=ON, GGML_OPENMP=OFF, CUDA=OFF"),
                String.join("\n", lines));
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

    @Test
    void localLlamaCppAndJsonTreesReachCmakeAsFetchContentSourcesAndNothingIsFetched() throws IOException {
        Map<String, String> env = fakeTools("cmake", "cc", "c++");
        Path src = fetchingStandIn(tmp.resolve("java-llama.cpp"));
        Path llama = llamaCppTree(tmp.resolve("llama.cpp"), "b4916");
        Path json = jsonTree(tmp.resolve("json"), "3.11.3");
        NativeBuild.Plan plan = builder(env).source(src).llamaCppSource(llama).jsonSource(json).build().plan();
        List<String> configure = plan.steps().get(0).command();
        assertEquals(List.of("-DFETCHCONTENT_SOURCE_DIR_JSON=" + json, "-DFETCHCONTENT_SOURCE_DIR_LLAMA.CPP=" + llama,
                "-DFETCHCONTENT_FULLY_DISCONNECTED=ON"), configure.subList(configure.size() - 3, configure.size()));
        assertEquals(List.of(new NativeBuild.Source("java-llama.cpp", src, "4.2.0", "4.2.0"),
                new NativeBuild.Source("json", json, "3.11.3", "v3.11.3"),
                new NativeBuild.Source("llama.cpp", llama, "b4916", "b4916")), plan.sources());
        assertTrue(plan.offline());
        assertEquals(List.of(), plan.warnings());
        assertTrue(plan.describe().endsWith("Sources:\n"
                + "  java-llama.cpp: " + src + " (local, 4.2.0)\n"
                + "  json: " + json + " (local, 3.11.3)\n"
                + "  llama.cpp: " + llama + " (local, b4916)\n"
                + "Network: not needed, every source is local.\n"), plan.describe());
    }

    @Test
    void withoutLocalTreesCmakeFetchesAndTheDryRunSaysTheNetworkIsNeeded() throws IOException {
        Map<String, String> env = fakeTools("git", "cmake", "cc", "c++");
        NativeBuild.Plan plan = builder(env).build().plan();
        assertFalse(plan.steps().get(1).command().stream().anyMatch(a -> a.startsWith("-DFETCHCONTENT")));
        assertFalse(plan.offline());
        assertTrue(plan.describe().endsWith("Sources:\n"
                + "  java-llama.cpp: cloned from https://github.com/kherud/java-llama.cpp (tag v4.2.0)\n"
                + "  json: fetched by CMake while configuring (tag v3.11.3)\n"
                + "  llama.cpp: fetched by CMake while configuring (tag b4916)\n"
                + "Network: needed for java-llama.cpp, json, llama.cpp.\n"), plan.describe());
        Path llama = llamaCppTree(tmp.resolve("llama.cpp"), "b4916"); // a local llama.cpp alone: json still fetched
        NativeBuild.Plan partly = builder(env).llamaCppSource(llama).build().plan();
        List<String> configure = partly.steps().get(1).command();
        assertEquals("-DFETCHCONTENT_SOURCE_DIR_LLAMA.CPP=" + llama, configure.get(configure.size() - 1));
        assertTrue(partly.describe().contains("\nNetwork: needed for java-llama.cpp, json.\n"), partly.describe());
    }

    @Test
    void aLlamaCppTreeAtAnotherTagIsRefusedNamingBothUnlessExplicitlyAllowedThenWarned() throws IOException {
        Map<String, String> env = fakeTools("cmake", "cc", "c++");
        Path src = fetchingStandIn(tmp.resolve("java-llama.cpp"));
        Path llama = llamaCppTree(tmp.resolve("llama.cpp"), "b4747");
        NativeBuildException e = assertThrows(NativeBuildException.class, () -> builder(env).source(src)
                .llamaCppSource(llama).build().run(NativeBuild.Listener.NONE));
        assertEquals("--llama-cpp-source " + llama + " is llama.cpp b4747, but java-llama.cpp 4.2.0 pins b4916: the"
                + " binding's C++ may not compile against another llama.cpp, or the library may misbehave. Either"
                + " check out b4916 there (git -C " + llama + " checkout b4916), or pass --allow-other-llama-cpp to"
                + " build with it anyway.", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("cache")), "nothing was prepared");
        NativeBuild.Plan plan = builder(env).source(src).llamaCppSource(llama).allowOtherLlamaCpp(true).build()
                .plan();
        String warning = "--llama-cpp-source " + llama + " is llama.cpp b4747, but java-llama.cpp 4.2.0 pins b4916"
                + " (allowed by --allow-other-llama-cpp): the binding's C++ may not compile against another llama.cpp,"
                + " or the library may misbehave.";
        assertEquals(List.of(warning), plan.warnings());
        assertTrue(plan.describe().contains("  llama.cpp: " + llama + " (local, b4747; java-llama.cpp pins b4916)\n"
                + "Network: needed for json.\nWarning: " + warning + "\n"), plan.describe());
        List<String> warned = new ArrayList<>();
        NativeBuild.Result r = builder(env).source(src).llamaCppSource(llama).allowOtherLlamaCpp(true)
                .processRunner(writesTheLibrary(src, new ArrayList<>())).build().run(new NativeBuild.Listener() {
                    @Override
                    public void warning(String message) {
                        warned.add(message);
                    }
                });
        assertEquals(List.of(warning), warned);
        assertEquals("b4747", r.manifest().llamaCppVersion());
        assertEquals(src + ", llama.cpp " + llama, r.manifest().source());
    }

    @Test
    void aLlamaCppTreeWhoseVersionCannotBeToldIsRefusedUnlessAllowed() throws IOException {
        Map<String, String> env = fakeTools("cmake", "cc", "c++");
        Path src = fetchingStandIn(tmp.resolve("java-llama.cpp"));
        Path llama = llamaCppTree(tmp.resolve("llama.cpp"), null);
        NativeBuildException e = assertThrows(NativeBuildException.class, () -> builder(env).source(src)
                .llamaCppSource(llama).build().plan());
        assertEquals("--llama-cpp-source " + llama + " has no git metadata to tell its llama.cpp version from, and"
                + " java-llama.cpp 4.2.0 pins b4916: the binding's C++ may not compile against another llama.cpp, or"
                + " the library may misbehave. Either use a git clone at that tag (git clone --depth 1 --branch b4916"
                + " https://github.com/ggml-org/llama.cpp), or pass --allow-other-llama-cpp to build with it anyway.",
                e.getMessage());
        NativeBuild.Plan plan = builder(env).source(src).llamaCppSource(llama).allowOtherLlamaCpp(true).build()
                .plan();
        assertEquals(1, plan.warnings().size());
        assertTrue(plan.describe().contains("  llama.cpp: " + llama + " (local, version unknown; java-llama.cpp pins"
                + " b4916)\n"), plan.describe());
    }

    @Test
    void unfitSourceDirectoriesAreRefusedByOptionAndPathBeforeAnythingRuns() throws IOException {
        Map<String, String> env = fakeTools("cmake", "cc", "c++");
        Path src = fetchingStandIn(tmp.resolve("java-llama.cpp"));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path json = jsonTree(tmp.resolve("json"), "3.11.3");
        Path llama = llamaCppTree(tmp.resolve("llama.cpp"), "b4916");
        assertEquals("--llama-cpp-source " + empty + " is not a llama.cpp source tree: it has no CMakeLists.txt",
                assertThrows(NativeBuildException.class, () -> builder(env).source(src).llamaCppSource(empty).build()
                        .run(NativeBuild.Listener.NONE)).getMessage());
        assertEquals("--llama-cpp-source " + json + " is not a llama.cpp source tree: its CMakeLists.txt does not"
                + " declare project(\"llama.cpp\")", assertThrows(NativeBuildException.class, () -> builder(env)
                        .source(src).llamaCppSource(json).build().run(NativeBuild.Listener.NONE)).getMessage());
        assertEquals("--json-source " + llama + " is neither a nlohmann/json source tree (a CMakeLists.txt with"
                + " project(nlohmann_json ...)) nor a directory holding nlohmann/json.hpp (with Debian's or Ubuntu's"
                + " nlohmann-json3-dev: /usr/include)", assertThrows(NativeBuildException.class, () -> builder(env)
                        .source(src).jsonSource(llama).build().run(NativeBuild.Listener.NONE)).getMessage());
        Path json2 = jsonTree(tmp.resolve("json2"), "2.1.1");
        assertEquals("--json-source " + json2 + " is nlohmann/json 2.1.1, but java-llama.cpp 4.2.0 pins v3.11.3: use"
                + " a 3.x release", assertThrows(NativeBuildException.class, () -> builder(env).source(src)
                        .jsonSource(json2).build().plan()).getMessage());
        Path stale = standIn(tmp.resolve("no-json"), "4.2.0", ""); // a binding source that fetches llama.cpp only
        assertEquals("--json-source " + json + " was given, but java-llama.cpp at " + stale + " does not fetch json"
                + " (its CMakeLists.txt fetches: llama.cpp)", assertThrows(NativeBuildException.class,
                        () -> builder(env).source(stale).jsonSource(json).build().plan()).getMessage());
        assertFalse(Files.exists(tmp.resolve("cache")), "nothing was prepared");
        Path missing = tmp.resolve("missing");
        assertEquals("--llama-cpp-source " + missing + " is not a directory", assertThrows(
                InvalidRequestException.class, () -> builder(env).llamaCppSource(missing).build()).getMessage());
        assertEquals("--json-source " + missing + " is not a directory", assertThrows(InvalidRequestException.class,
                () -> builder(env).jsonSource(missing).build()).getMessage());
        assertEquals("--allow-other-llama-cpp needs --llama-cpp-source: a llama.cpp that CMake fetches is always the"
                + " tag the binding pins", assertThrows(InvalidRequestException.class,
                        () -> builder(env).allowOtherLlamaCpp(true).build()).getMessage());
    }

    @Test
    void aJsonHeaderDirectoryOfAnOlderReleaseIsWrappedAsACmakeProjectWithAWarning() throws IOException {
        Map<String, String> env = fakeTools("cmake", "cc", "c++");
        Path src = fetchingStandIn(tmp.resolve("java-llama.cpp"));
        Path include = jsonHeaders(tmp.resolve("include"), "3.11.2");
        List<List<String>> ran = new ArrayList<>();
        NativeBuild build = builder(env).source(src).jsonSource(include).processRunner(writesTheLibrary(src, ran))
                .build();
        NativeBuild.Plan plan = build.plan();
        Path wrapper = tmp.resolve("cache/natives/build/4.2.0-cpu/dro-nlohmann_json");
        List<String> configure = plan.steps().get(0).command();
        assertEquals("-DFETCHCONTENT_SOURCE_DIR_JSON=" + wrapper, configure.get(configure.size() - 1),
                "llama.cpp is still fetched, so not fully disconnected");
        assertEquals(List.of("--json-source " + include + " is nlohmann/json 3.11.2, not 3.11.3, which"
                + " java-llama.cpp 4.2.0 pins: 3.x releases keep their interface, but if the build fails, use"
                + " v3.11.3."), plan.warnings());
        NativeBuild.Result r = build.run(NativeBuild.Listener.NONE);
        assertEquals(configure, ran.get(0));
        assertEquals("# Written by dro4j's native build: nlohmann/json's headers in " + include + " as the target"
                + " nlohmann_json.\n"
                + "cmake_minimum_required(VERSION 3.14)\n"
                + "project(nlohmann_json VERSION 3.11.2 LANGUAGES CXX)\n"
                + "add_library(nlohmann_json INTERFACE)\n"
                + "add_library(nlohmann_json::nlohmann_json ALIAS nlohmann_json)\n"
                + "target_include_directories(nlohmann_json SYSTEM INTERFACE \"" + include + "\")\n",
                Files.readString(wrapper.resolve("CMakeLists.txt")));
        assertEquals("b4916", r.manifest().llamaCppVersion(), "the tag the binding's CMakeLists.txt pins");
        assertEquals(src + ", nlohmann/json " + include, r.manifest().source());
    }

    @Test
    void theRealCmakeConfiguresAndBuildsWithLocalTreesForEveryFetchedSourceAndNoNetwork() throws IOException {
        Path src = fetchingStandIn(tmp.resolve("java-llama.cpp"));
        Path llama = llamaCppTree(tmp.resolve("llama.cpp"), "b4916");
        Path include = jsonHeaders(tmp.resolve("include"), "3.11.3");
        Path cache = tmp.resolve("cache");
        List<String> lines = new ArrayList<>();
        NativeBuild.Result r = NativeBuild.builder().source(src).llamaCppSource(llama).jsonSource(include)
                .cacheRoot(cache).jobs(1).environment(realTools()).build().run(listener(new ArrayList<>(), lines));
        assertTrue(lines.contains("-- stand-in llama.cpp: added from " + llama), String.join("\n", lines));
        assertTrue(Files.isRegularFile(r.library()));
        assertEquals("b4916", r.manifest().llamaCppVersion());
        assertFalse(Files.exists(llama.resolve("build")), "the llama.cpp tree is only read");
    }

    @Test
    void theLlamaCppVersionIsReadFromRealGitCheckoutsWithoutRunningGit() throws IOException, InterruptedException {
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo);
        git(tmp, "init", "-q", "repo");
        Files.writeString(repo.resolve("CMakeLists.txt"), "project(\"llama.cpp\" C CXX)\n");
        git(repo, "add", "CMakeLists.txt");
        git(repo, "commit", "-q", "-m", "one");
        git(repo, "tag", "b4747");
        Files.writeString(repo.resolve("README.md"), "two\n");
        git(repo, "add", "README.md");
        git(repo, "commit", "-q", "-m", "two");
        git(repo, "tag", "-a", "b4916", "-m", "the pinned one"); // annotated, stored as a loose object
        assertEquals("b4916", NativeBuild.gitVersion(repo, "b4916"), "on a branch, at an annotated tag");
        git(tmp, "clone", "-q", "--depth", "1", "--branch", "b4916", "file://" + repo, "shallow");
        assertEquals("b4916", NativeBuild.gitVersion(tmp.resolve("shallow"), "b4916"), "the clone the docs show");
        git(repo, "worktree", "add", "-q", "--detach", tmp.resolve("linked").toString(), "b4747");
        assertEquals("b4747", NativeBuild.gitVersion(tmp.resolve("linked"), "b4916"), "a linked worktree");
        Files.writeString(repo.resolve("README.md"), "three\n");
        git(repo, "commit", "-q", "-am", "three");
        String head = git(repo, "rev-parse", "HEAD");
        assertEquals("commit " + head.substring(0, 12), NativeBuild.gitVersion(repo, "b4916"), "past every tag");
        git(repo, "checkout", "-q", "b4916");
        git(repo, "pack-refs", "--all");
        assertEquals("b4916", NativeBuild.gitVersion(repo, "b4916"), "detached, tags packed and peeled");
        assertNull(NativeBuild.gitVersion(tmp, "b4916"), "no git checkout");
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
                "-c", "init.defaultBranch=master", "-c", "tag.gpgSign=false", "-c", "commit.gpgSign=false"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out.strip();
    }

    /** A runner that records each command and, at the build step, writes the library where the stand-in would. */
    private static NativeBuild.ProcessRunner writesTheLibrary(Path src, List<List<String>> ran) {
        return (command, dir, out) -> {
            ran.add(command);
            if (command.contains("--build")) {
                Path lib = src.resolve("src/main/resources/de/kherud/llama/Linux/x86_64/" + System.mapLibraryName(
                        "jllama"));
                Files.createDirectories(lib.getParent());
                Files.writeString(lib, "not really a library");
            }
            return 0;
        };
    }

    /**
     * A llama.cpp stand-in: its CMakeLists.txt declares the project as llama.cpp's does and defines the target
     * {@code llama}; with a tag, a {@code .git} whose detached HEAD is at that tag (packed, as a clone has it).
     */
    static Path llamaCppTree(Path dir, String tag) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("CMakeLists.txt"), "cmake_minimum_required(VERSION 3.14)\n"
                + "project(\"llama.cpp\" C CXX)\n"
                + "message(STATUS \"stand-in llama.cpp: added from ${CMAKE_CURRENT_SOURCE_DIR}\")\n"
                + "add_library(llama STATIC llama.cpp)\n"
                + "target_include_directories(llama PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})\n"
                + "set_target_properties(llama PROPERTIES POSITION_INDEPENDENT_CODE ON)\n");
        Files.writeString(dir.resolve("llama.h"), "int llama_stand_in();\n");
        Files.writeString(dir.resolve("llama.cpp"), "#include \"llama.h\"\nint llama_stand_in() { return 1; }\n");
        if (tag != null) {
            String sha = "0123456789abcdef0123456789abcdef0123456" + tag.length();
            Files.createDirectories(dir.resolve(".git"));
            Files.writeString(dir.resolve(".git/HEAD"), sha + "\n");
            Files.writeString(dir.resolve(".git/packed-refs"), "# pack-refs with: peeled fully-peeled sorted \n"
                    + "fedcba9876543210fedcba9876543210fedcba98 refs/tags/b1\n" + sha + " refs/tags/" + tag + "\n");
        }
        return dir;
    }

    /** A nlohmann/json source tree stand-in: its CMakeLists.txt as json's own names the project and version. */
    static Path jsonTree(Path dir, String version) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("CMakeLists.txt"), "cmake_minimum_required(VERSION 3.1)\n"
                + "project(nlohmann_json VERSION " + version + " LANGUAGES CXX)\n"
                + "add_library(nlohmann_json INTERFACE)\n");
        return dir;
    }

    /** Installed nlohmann/json headers as Debian's package lays them out: the version in detail/abi_macros.hpp. */
    static Path jsonHeaders(Path include, String version) throws IOException {
        String[] v = version.split("\\.");
        Files.createDirectories(include.resolve("nlohmann/detail"));
        Files.writeString(include.resolve("nlohmann/json.hpp"), "#pragma once\n#include <nlohmann/detail/abi_macros.hpp>\n"
                + "namespace nlohmann { inline int stand_in() { return NLOHMANN_JSON_VERSION_MAJOR; } }\n");
        Files.writeString(include.resolve("nlohmann/detail/abi_macros.hpp"), "#pragma once\n"
                + "#define NLOHMANN_JSON_VERSION_MAJOR " + v[0] + "   // NOLINT(modernize-macro-to-enum)\n"
                + "#define NLOHMANN_JSON_VERSION_MINOR " + v[1] + "  // NOLINT(modernize-macro-to-enum)\n"
                + "#define NLOHMANN_JSON_VERSION_PATCH " + v[2] + "   // NOLINT(modernize-macro-to-enum)\n");
        return include;
    }

    /**
     * A stand-in for java-llama.cpp that fetches json and llama.cpp as the real one does (FetchContent, from
     * addresses that cannot resolve) and links both into libjllama.
     */
    static Path fetchingStandIn(Path dir) throws IOException {
        standIn(dir, "4.2.0", "");
        Files.writeString(dir.resolve("CMakeLists.txt"), "cmake_minimum_required(VERSION 3.14)\n"
                + "project(jllama CXX)\n"
                + "include(FetchContent)\n"
                + "FetchContent_Declare(\n\tjson\n\tGIT_REPOSITORY https://example.invalid/json\n\tGIT_TAG        v3.11.3\n)\n"
                + "FetchContent_MakeAvailable(json)\n"
                + "FetchContent_Declare(\n\tllama.cpp\n\tGIT_REPOSITORY https://example.invalid/llama.cpp.git\n"
                + "\tGIT_TAG        b4916\n)\n"
                + "FetchContent_MakeAvailable(llama.cpp)\n"
                + "set(OUT ${CMAKE_SOURCE_DIR}/src/main/resources/de/kherud/llama/${OS_NAME}/${OS_ARCH})\n"
                + "add_library(jllama SHARED jllama.cpp)\n"
                + "target_include_directories(jllama PRIVATE ${JNI_INCLUDE_DIRS})\n"
                + "target_link_libraries(jllama PRIVATE llama nlohmann_json)\n"
                + "set_target_properties(jllama PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${OUT})\n");
        Files.writeString(dir.resolve("jllama.cpp"), "#include <jni.h>\n#include <nlohmann/json.hpp>\n"
                + "#include \"llama.h\"\n"
                + "namespace {\nJavaVM *g_vm = nullptr;\n}\n"
                + "extern \"C\" JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *) {\n"
                + "    g_vm = vm;\n    return JNI_VERSION_1_6;\n}\n"
                + "extern \"C\" JNIEXPORT int dro_stand_in() { return llama_stand_in() + nlohmann::stand_in(); }\n");
        return dir;
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
                + "if(NOT GGML_NATIVE OR GGML_OPENMP OR NOT CMAKE_BUILD_TYPE STREQUAL \"Release\"\n"
                + "   OR NOT OS_NAME OR NOT OS_ARCH)\n"
                + "  message(FATAL_ERROR \"stand-in: missing settings\")\nendif()\n"
                + "if(GGML_CUDA)\n  set(OUT ${CMAKE_SOURCE_DIR}/src/main/resources_linux_cuda/de/kherud/llama/${OS_NAME}/${OS_ARCH})\n"
                + "  set(CUDA ON)\nelse()\n  set(OUT ${CMAKE_SOURCE_DIR}/src/main/resources/de/kherud/llama/${OS_NAME}/${OS_ARCH})\n"
                + "  set(CUDA OFF)\nendif()\n"
                + "message(STATUS \"stand-in: ${CMAKE_BUILD_TYPE} build, GGML_NATIVE=${GGML_NATIVE},"
                + " GGML_OPENMP=${GGML_OPENMP}, CUDA=${CUDA}\")\n"
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
