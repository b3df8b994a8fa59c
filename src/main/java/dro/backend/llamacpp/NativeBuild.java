package dro.backend.llamacpp;

import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.Environment;
import dro.internal.CacheDirs;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds java-llama.cpp's native library on this machine, with CUDA if asked, and installs it where
 * {@link NativeChoice} finds it: {@code <cache>/natives/<binding version>-<cpu|cuda>/}. This is what
 * {@code dro native build} runs.
 *
 * <h2>What it does</h2>
 * <ol>
 *   <li>Checks every tool first: git (unless a source is given), cmake, a C and a C++ compiler, nvcc (with CUDA) and
 *       a JDK's JNI headers. All missing tools are named at once, each with how to install it; nothing runs then.
 *       The local sources are checked too: each must be the project it is given as, and a llama.cpp tree must be
 *       at the tag the binding pins (read from its git metadata) unless {@link Builder#allowOtherLlamaCpp}.</li>
 *   <li>Takes java-llama.cpp at the binding's own version ({@link NativeChoice#bindingVersion()}): a shallow
 *       {@code git clone --branch v<version>} into the cache, or a local checkout, whose {@code pom.xml} must name
 *       that version.</li>
 *   <li>Configures with CMake (Release, {@code GGML_NATIVE=ON} for the host's CPU features, {@code GGML_OPENMP=OFF}
 *       unless {@link Builder#openMp}, {@code GGML_CUDA=ON} and {@code CMAKE_CUDA_ARCHITECTURES} when asked), then
 *       builds the {@code jllama} target. CMake fetches llama.cpp and nlohmann/json from GitHub while configuring,
 *       unless local trees are given ({@link Builder#llamaCppSource}, {@link Builder#jsonSource}): they are passed as
 *       {@code FETCHCONTENT_SOURCE_DIR_<NAME>}, and with both {@code FETCHCONTENT_FULLY_DISCONNECTED=ON}. With
 *       the binding's checkout local too, the build needs no network.</li>
 *   <li>Copies the library from where java-llama.cpp's CMake puts it ({@code src/main/resources[_linux_cuda]/
 *       de/kherud/llama/<OS>/<arch>/} of the source) into the cache, with a {@link NativeManifest}.</li>
 * </ol>
 * Each tool's output goes to the {@link Listener} line by line. A failing step ends the build with a
 * {@link NativeBuildException} naming the step, its command, its exit code and the last lines of its output; the
 * installed library, if any, is then left as it was.
 *
 * <p>Instances are immutable; {@link #run(Listener)} is not meant to run twice at once for the same install
 * directory.
 */
public final class NativeBuild {

    private static final Logger log = LoggerFactory.getLogger(NativeBuild.class);

    /** java-llama.cpp's repository. */
    public static final String REPOSITORY = "https://github.com/kherud/java-llama.cpp";
    /** llama.cpp's repository, for messages. */
    static final String LLAMA_CPP_REPOSITORY = "https://github.com/ggml-org/llama.cpp";
    /** Lines of a failing step's output its error message quotes. */
    static final int TAIL_LINES = 25;
    private static final Pattern CUDA_ARCH = Pattern.compile("[0-9]{2,3}[a-z]?(-real|-virtual)?|native|all|all-major");
    /** java-llama.cpp's FetchContent name for llama.cpp. */
    static final String LLAMA_CPP = "llama.cpp";
    /** java-llama.cpp's FetchContent name for nlohmann/json. */
    static final String JSON = "json";
    /**
     * What java-llama.cpp's CMakeLists.txt fetches, by binding version, for when it is cloned by the build (a local
     * checkout's own CMakeLists.txt is read instead): FetchContent name to GIT_TAG.
     */
    private static final Map<String, Map<String, String>> FETCHED = Map.of(
            "4.2.0", ordered(JSON, "v3.11.3", LLAMA_CPP, "b4916"));
    private static final Pattern FETCH_DECLARE = Pattern.compile(
            "(?s)FetchContent_Declare\\(\\s*([A-Za-z0-9_.+-]+)([^)]*)\\)");
    private static final Pattern GIT_TAG = Pattern.compile("GIT_TAG\\s+([^\\s)]+)");
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}");

    /** Runs one command: the seam tests replace. Implementations must be thread-safe. */
    @FunctionalInterface
    public interface ProcessRunner {
        /**
         * Runs {@code command} in {@code directory}, passing each line it prints (standard output and error merged)
         * to {@code output}, and returns its exit code.
         */
        int run(List<String> command, Path directory, Consumer<String> output) throws IOException, InterruptedException;

        /** Starts real processes. */
        ProcessRunner SYSTEM = (command, directory, output) -> {
            Process p = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.accept(line);
                }
            }
            return p.waitFor();
        };
    }

    /** Progress of a build. Called on the building thread. */
    public interface Listener {
        /** Step {@code number} of {@code total} starts. */
        default void step(int number, int total, Step step) { }

        /** One line a tool printed. */
        default void output(String line) { }

        /** Something the user should know before the build starts (also logged at WARN). */
        default void warning(String message) { }

        /** Ignores everything. */
        Listener NONE = new Listener() { };
    }

    /**
     * One command of the build.
     *
     * @param name      what it does, in a word or two
     * @param command   the program (an absolute path) and its arguments
     * @param directory where it runs
     */
    public record Step(String name, List<String> command, Path directory) {
        public Step {
            command = List.copyOf(command);
        }

        /** The command as one shell line, arguments quoted where a shell needs it. */
        public String commandLine() {
            StringBuilder sb = new StringBuilder();
            for (String a : command) {
                sb.append(sb.length() == 0 ? "" : " ").append(quote(a));
            }
            return sb.toString();
        }
    }

    /**
     * A tool the build needs, found.
     *
     * @param name what it is (git, cmake, c++, cc, nvcc, jni.h)
     * @param path where it is
     */
    public record Tool(String name, Path path) { }

    /**
     * A source tree the build uses.
     *
     * @param name    java-llama.cpp, or the name java-llama.cpp's CMake fetches it by ({@code llama.cpp}, {@code json})
     * @param local   the local tree given for it, or null: cloned (java-llama.cpp) or fetched by CMake
     * @param version its version: the tag cloned or fetched, or what the local tree is (a tag, {@code commit <sha>}),
     *                or null if that cannot be told
     * @param pinned  the version java-llama.cpp pins, or null if not known
     */
    public record Source(String name, Path local, String version, String pinned) { }

    /**
     * What a build would do: the tools it found, its commands, and where the library ends up.
     *
     * @param bindingVersion    the {@code de.kherud:llama} version it builds for
     * @param cuda              whether with CUDA
     * @param cudaArchitectures CMake's CUDA architectures, or null
     * @param jobs              parallel compile jobs
     * @param source            the java-llama.cpp checkout it builds (cloned by the first step unless given)
     * @param tools             the tools, found
     * @param steps             the commands, in order
     * @param buildDirectory    CMake's build directory (emptied first)
     * @param builtLibrary      where java-llama.cpp's CMake writes the library
     * @param installDirectory  where it is installed
     * @param sources           java-llama.cpp first, then what its CMake fetches, each local or not
     * @param warnings          what the user should know before it runs (a llama.cpp other than the pinned one)
     */
    public record Plan(String bindingVersion, boolean cuda, String cudaArchitectures, int jobs, Path source,
                       List<Tool> tools, List<Step> steps, Path buildDirectory, Path builtLibrary,
                       Path installDirectory, List<Source> sources, List<String> warnings) {
        public Plan {
            tools = List.copyOf(tools);
            steps = List.copyOf(steps);
            sources = List.copyOf(sources);
            warnings = List.copyOf(warnings);
        }

        /** Whether every source is local, so that the build needs no network. */
        public boolean offline() {
            return sources.stream().allMatch(s -> s.local() != null);
        }

        /** Whether two versions are the same, one perhaps with a leading v (json's tags: v3.11.3 is 3.11.3). */
        private static boolean sameVersion(String a, String b) {
            return b != null && a.replaceFirst("^v", "").equals(b.replaceFirst("^v", ""));
        }

        /** The plan in words: what {@code dro native build --dry-run} prints. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append("Would build the llama.cpp library of de.kherud:llama ").append(bindingVersion).append(" for ")
                    .append(cuda ? "CUDA" : "the CPU").append(cuda && cudaArchitectures != null
                            ? " (architectures " + cudaArchitectures + ")" : "")
                    .append(" with the host's CPU features, ").append(jobs).append(" parallel job(s).\n");
            sb.append("Tools:\n");
            for (Tool t : tools) {
                sb.append("  ").append(t.name()).append(": ").append(t.path()).append('\n');
            }
            sb.append("Commands:\n");
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                sb.append("  ").append(i + 1).append(". ").append(s.name()).append(" (in ").append(s.directory())
                        .append("): ").append(s.commandLine()).append('\n');
            }
            sb.append("Then installs ").append(builtLibrary).append("\n  into ").append(installDirectory)
                    .append(" (with ").append(NativeManifest.FILE_NAME).append(").\n");
            sb.append("Sources:\n");
            for (Source s : sources) {
                sb.append("  ").append(s.name()).append(": ");
                if (s.local() != null) {
                    sb.append(s.local()).append(" (local, ").append(s.version() == null ? "version unknown"
                            : s.version()).append(s.pinned() == null || sameVersion(s.pinned(), s.version()) ? ""
                            : "; java-llama.cpp pins " + s.pinned()).append(")");
                } else if (s.name().equals("java-llama.cpp")) {
                    sb.append("cloned from ").append(REPOSITORY).append(" (tag v").append(s.version()).append(")");
                } else {
                    sb.append("fetched by CMake while configuring (").append(s.version() == null
                            ? "the tag java-llama.cpp pins" : "tag " + s.version()).append(")");
                }
                sb.append('\n');
            }
            List<String> remote = sources.stream().filter(s -> s.local() == null).map(Source::name).toList();
            sb.append(remote.isEmpty() ? "Network: not needed, every source is local.\n"
                    : "Network: needed for " + String.join(", ", remote) + ".\n");
            for (String w : warnings) {
                sb.append("Warning: ").append(w).append('\n');
            }
            return sb.toString();
        }
    }

    /**
     * A finished build.
     *
     * @param library       the installed library
     * @param manifest      what was recorded beside it
     * @param daemonThreads whether the library has the symbol dro4j needs so that llama.cpp's threads do not keep a
     *                      JVM alive ({@link DaemonAttach}); false for a stripped library
     */
    public record Result(Path library, NativeManifest manifest, boolean daemonThreads) { }

    private final boolean cuda;
    private final String cudaArchitectures;
    private final int jobs;
    private final Path source;
    private final Path llamaCppSource;
    private final Path jsonSource;
    private final boolean allowOtherLlamaCpp;
    private final Path cacheRoot;
    private final Environment environment;
    private final Path javaHome;
    private final String bindingVersion;
    private final ProcessRunner runner;
    private final String osName;
    private final String osArch;

    private final boolean openMp;

    private NativeBuild(Builder b) {
        this.cuda = b.cuda;
        this.openMp = b.openMp;
        this.cudaArchitectures = b.cudaArchitectures;
        this.jobs = b.jobs;
        this.source = b.source == null ? null : b.source.toAbsolutePath().normalize();
        this.llamaCppSource = b.llamaCppSource == null ? null : b.llamaCppSource.toAbsolutePath().normalize();
        this.jsonSource = b.jsonSource == null ? null : b.jsonSource.toAbsolutePath().normalize();
        this.allowOtherLlamaCpp = b.allowOtherLlamaCpp;
        this.cacheRoot = (b.cacheRoot != null ? b.cacheRoot : CacheDirs.root()).toAbsolutePath().normalize();
        this.environment = b.environment;
        this.javaHome = b.javaHome;
        this.bindingVersion = b.bindingVersion != null ? b.bindingVersion : NativeChoice.bindingVersion();
        this.runner = b.runner;
        this.osName = b.osName != null ? b.osName : NativeLibrary.osFolder();
        this.osArch = b.osArch != null ? b.osArch : NativeLibrary.archFolder();
    }

    /** A new builder: a CPU build from a fresh clone, installed into dro4j's cache. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks the tools and the source and says what {@link #run} would do, running nothing.
     *
     * @throws NativeBuildException naming every missing tool, or a source that is not java-llama.cpp at the
     *                              binding's version
     */
    public Plan plan() {
        List<Tool> tools = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Path git = null;
        if (source == null) {
            git = which("git");
            add(tools, missing, "git", git, "git (to clone " + REPOSITORY + ")",
                    "not found on PATH", "sudo apt-get install git",
                    "https://git-scm.com/downloads, or pass --source DIR with a checkout of java-llama.cpp v"
                            + bindingVersion);
        }
        Path cmake = which("cmake");
        add(tools, missing, "cmake", cmake, "cmake (3.14 or newer)", "not found on PATH", "sudo apt-get install cmake",
                "https://cmake.org/download/ or pip install cmake");
        Path cc = compiler("CC", "cc", "gcc", "clang");
        add(tools, missing, "cc", cc, "a C compiler", lookedFor("CC", "cc, gcc or clang"),
                "sudo apt-get install gcc (or build-essential)", "GCC or Clang, or set CC to one");
        Path cxx = compiler("CXX", "c++", "g++", "clang++");
        add(tools, missing, "c++", cxx, "a C++ compiler", lookedFor("CXX", "c++, g++ or clang++"),
                "sudo apt-get install g++ (or build-essential)", "GCC or Clang, or set CXX to one");
        Path nvcc = null;
        if (cuda) {
            nvcc = nvcc();
            add(tools, missing, "nvcc", nvcc, "nvcc (the CUDA compiler, for --cuda)",
                    nvccLookedFor(),
                    "sudo apt-get install nvidia-cuda-toolkit",
                    "NVIDIA's CUDA Toolkit (https://developer.nvidia.com/cuda-downloads), then put its bin directory"
                            + " on PATH or set CUDACXX");
        }
        Path jdk = jdkHome();
        Path jniH = jdk == null ? null : jdk.resolve("include").resolve("jni.h");
        boolean jniOk = jniH != null && Files.isRegularFile(jniH);
        add(tools, missing, "jni.h", jniOk ? jniH : null, "a JDK with JNI headers (include/jni.h)",
                jdk == null ? "JAVA_HOME is not set" : jniH + " does not exist",
                "sudo apt-get install openjdk-17-jdk-headless",
                "any JDK 17 or newer (https://adoptium.net), then set JAVA_HOME to it");
        if (!missing.isEmpty()) {
            throw new NativeBuildException("Cannot build the llama.cpp library: " + missing.size()
                    + (missing.size() == 1 ? " tool is" : " tools are") + " missing. Nothing was run.\n"
                    + String.join("\n", missing));
        }
        Path work = cacheRoot.resolve("natives").resolve("build");
        Path src = source != null ? source : work.resolve("java-llama.cpp-" + bindingVersion);
        if (source != null) {
            checkSource(source);
        }
        Path buildDir = work.resolve(bindingVersion + (cuda ? "-cuda" : "-cpu"));
        List<String> warnings = new ArrayList<>();
        List<Source> sources = sources(buildDir, warnings);
        List<Step> steps = new ArrayList<>();
        if (source == null) {
            steps.add(new Step("clone", List.of(git.toString(), "clone", "--depth", "1", "--branch",
                    "v" + bindingVersion, REPOSITORY, src.toString()), work));
        }
        List<String> configure = new ArrayList<>(List.of(cmake.toString(), "-S", src.toString(), "-B",
                buildDir.toString(), "-DCMAKE_BUILD_TYPE=Release", "-DGGML_NATIVE=ON",
                "-DGGML_OPENMP=" + (openMp ? "ON" : "OFF"), "-DOS_NAME=" + osName,
                "-DOS_ARCH=" + osArch, "-DJNI_INCLUDE_DIRS=" + jniIncludes(jdk), "-DCMAKE_C_COMPILER=" + cc,
                "-DCMAKE_CXX_COMPILER=" + cxx));
        for (Source s : sources.subList(1, sources.size())) {
            if (s.local() != null) {
                configure.add("-DFETCHCONTENT_SOURCE_DIR_" + s.name().toUpperCase(Locale.ROOT) + "="
                        + (s.name().equals(JSON) && !isJsonTree(s.local()) ? jsonWrapper(buildDir) : s.local()));
            }
        }
        if ((llamaCppSource != null || jsonSource != null)
                && sources.subList(1, sources.size()).stream().allMatch(s -> s.local() != null)) {
            configure.add("-DFETCHCONTENT_FULLY_DISCONNECTED=ON"); // CMake must not try the network at all
        }
        if (cuda) {
            configure.add("-DGGML_CUDA=ON");
            configure.add("-DCMAKE_CUDA_COMPILER=" + nvcc);
            if (cudaArchitectures != null) {
                configure.add("-DCMAKE_CUDA_ARCHITECTURES=" + cudaArchitectures);
            }
        }
        steps.add(new Step("configure", configure, work));
        steps.add(new Step("build", List.of(cmake.toString(), "--build", buildDir.toString(), "--config", "Release",
                "--target", "jllama", "--parallel", Integer.toString(jobs)), work));
        Path built = src.resolve("src").resolve(cuda ? "main/resources_linux_cuda" : "main/resources")
                .resolve("de/kherud/llama").resolve(osName).resolve(osArch)
                .resolve(System.mapLibraryName("jllama"));
        return new Plan(bindingVersion, cuda, cudaArchitectures, jobs, src, tools, steps, buildDir, built,
                NativeChoice.installDirectory(cacheRoot, bindingVersion, cuda), sources, warnings);
    }

    /**
     * Builds and installs the library.
     *
     * @throws NativeBuildException if a tool is missing (before anything runs) or a step fails
     */
    public Result run(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        Plan plan = plan();
        Path work = cacheRoot.resolve("natives").resolve("build");
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try {
            Files.createDirectories(work);
            if (source == null) {
                deleteTree(plan.source()); // an earlier, perhaps partial, clone of ours
            }
            deleteTree(plan.buildDirectory()); // a fresh configure
            if (jsonSource != null && !isJsonTree(jsonSource)) {
                writeJsonWrapper(jsonWrapper(plan.buildDirectory()), jsonSource, version(plan, JSON));
            }
        } catch (IOException e) {
            throw new NativeBuildException("Cannot prepare " + work + ": " + e.getMessage(), e);
        }
        for (String w : plan.warnings()) {
            log.warn(w);
            listener.warning(w);
        }
        int total = plan.steps().size() + 1;
        String llamaCpp = llamaCppSource != null ? version(plan, LLAMA_CPP) : null;
        for (int i = 0; i < plan.steps().size(); i++) {
            Step step = plan.steps().get(i);
            if (step.name().equals("configure") && llamaCppSource == null) {
                llamaCpp = llamaCppVersion(plan.source());
            }
            runStep(i + 1, total, step, listener);
        }
        listener.step(total, total, new Step("install", List.of(), plan.installDirectory()));
        Path built = plan.builtLibrary();
        try {
            if (!Files.isRegularFile(built)
                    || Files.getLastModifiedTime(built).compareTo(FileTime.from(started.minusSeconds(2))) < 0) {
                throw new NativeBuildException("Step " + total + " of " + total + " (install) failed: the build"
                        + " finished but did not write " + built + " (is " + plan.source()
                        + " java-llama.cpp v" + bindingVersion + "?)");
            }
        } catch (IOException e) {
            throw new NativeBuildException("Cannot read " + built + ": " + e.getMessage(), e);
        }
        NativeManifest manifest = new NativeManifest(bindingVersion, llamaCpp, cuda, cuda ? cudaArchitectures : null,
                started.toString(), (source == null ? REPOSITORY + " v" + bindingVersion : source.toString())
                        + (llamaCppSource == null ? "" : ", llama.cpp " + llamaCppSource)
                        + (jsonSource == null ? "" : ", nlohmann/json " + jsonSource));
        Path installed = install(built, manifest, plan.installDirectory());
        boolean daemon;
        try {
            daemon = DaemonAttach.symbolOffset(installed, DaemonAttach.G_VM) >= 0;
        } catch (IOException | RuntimeException e) {
            daemon = false;
        }
        log.info("Installed {} ({})", installed, manifest.describe());
        return new Result(installed, manifest, daemon);
    }

    private void runStep(int number, int total, Step step, Listener listener) {
        listener.step(number, total, step);
        log.info("[{}/{}] {}: {}", number, total, step.name(), step.commandLine());
        Deque<String> tail = new ArrayDeque<>();
        Consumer<String> out = line -> {
            if (tail.size() == TAIL_LINES) {
                tail.removeFirst();
            }
            tail.addLast(line);
            listener.output(line);
        };
        int code;
        try {
            code = runner.run(step.command(), step.directory(), out);
        } catch (IOException e) {
            throw new NativeBuildException("Step " + number + " of " + total + " (" + step.name() + ") could not"
                    + " start: " + step.commandLine() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NativeBuildException("Step " + number + " of " + total + " (" + step.name()
                    + ") was interrupted: " + step.commandLine(), e);
        }
        if (code != 0) {
            StringBuilder sb = new StringBuilder("Step " + number + " of " + total + " (" + step.name()
                    + ") failed with exit code " + code + ": " + step.commandLine());
            if (tail.isEmpty()) {
                sb.append("\nIt printed nothing.");
            } else {
                sb.append("\nThe last ").append(tail.size()).append(" line(s) of its output:");
                for (String l : tail) {
                    sb.append("\n  ").append(l);
                }
            }
            throw new NativeBuildException(sb.toString());
        }
    }

    /** Copies the library and the manifest into a fresh directory beside the target, then swaps it in. */
    private static Path install(Path built, NativeManifest manifest, Path target) {
        String libName = built.getFileName().toString();
        try {
            Files.createDirectories(target.getParent());
            Path fresh = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".new");
            Files.copy(built, fresh.resolve(libName), StandardCopyOption.COPY_ATTRIBUTES);
            manifest.write(fresh);
            if (Files.exists(target)) {
                Path old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old");
                Files.delete(old);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
                deleteTree(old);
            } else {
                Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
            }
            return target.resolve(libName);
        } catch (IOException | UncheckedIOException | FileAccessException e) {
            throw new NativeBuildException("Cannot install " + built + " into " + target + ": " + e.getMessage(), e);
        }
    }

    /** The source must be java-llama.cpp at the binding's version. */
    private void checkSource(Path dir) {
        if (!Files.isRegularFile(dir.resolve("CMakeLists.txt"))) {
            throw new NativeBuildException("--source " + dir + " is not a java-llama.cpp checkout: it has no"
                    + " CMakeLists.txt");
        }
        Path pom = dir.resolve("pom.xml");
        String version = null;
        if (Files.isRegularFile(pom)) {
            try {
                String text = Files.readString(pom, StandardCharsets.UTF_8).replaceAll("(?s)<parent>.*?</parent>", "")
                        .replaceAll("(?s)<dependencies>.*", "");
                Matcher m = Pattern.compile("<artifactId>\\s*llama\\s*</artifactId>\\s*<version>\\s*([^<\\s]+)\\s*"
                        + "</version>").matcher(text);
                if (m.find()) {
                    version = m.group(1);
                }
            } catch (IOException e) {
                throw new NativeBuildException("Cannot read " + pom + ": " + e.getMessage(), e);
            }
        }
        if (version == null) {
            throw new NativeBuildException("--source " + dir + " is not a java-llama.cpp checkout: its pom.xml does"
                    + " not name the artifact llama and its version");
        }
        if (!version.equals(bindingVersion)) {
            throw new NativeBuildException("--source " + dir + " is java-llama.cpp " + version + ", but dro4j uses"
                    + " de.kherud:llama " + bindingVersion + ": check out its tag v" + bindingVersion
                    + " (git checkout v" + bindingVersion + ")");
        }
    }

    /** The llama.cpp tag java-llama.cpp's CMakeLists.txt pins (its FetchContent GIT_TAG), or null. */
    static String llamaCppVersion(Path source) {
        try {
            String text = Files.readString(source.resolve("CMakeLists.txt"), StandardCharsets.UTF_8);
            Matcher m = Pattern.compile("(?s)FetchContent_Declare\\(\\s*llama\\.cpp\\b[^)]*?GIT_TAG\\s+([^\\s)]+)")
                    .matcher(text);
            return m.find() ? m.group(1) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * java-llama.cpp, then each source its CMake fetches: given locally (and then checked) or not. Fails naming the
     * option if a local tree is not the project it is given as, or (without {@link Builder#allowOtherLlamaCpp}) if
     * the llama.cpp tree is not at the tag the binding pins or its version cannot be told.
     */
    private List<Source> sources(Path buildDir, List<String> warnings) {
        Map<String, String> fetched = source != null ? fetchedBy(source) : FETCHED.get(bindingVersion);
        List<Source> out = new ArrayList<>();
        out.add(new Source("java-llama.cpp", source, bindingVersion, bindingVersion));
        if (fetched == null) { // a binding version this class has no table entry for, to be cloned
            fetched = new LinkedHashMap<>();
            fetched.put(JSON, null);
            fetched.put(LLAMA_CPP, null);
        }
        for (String[] given : new String[][] {{LLAMA_CPP, "--llama-cpp-source"}, {JSON, "--json-source"}}) {
            Path dir = given[0].equals(LLAMA_CPP) ? llamaCppSource : jsonSource;
            if (dir != null && !fetched.containsKey(given[0])) {
                throw new NativeBuildException(given[1] + " " + dir + " was given, but java-llama.cpp at " + source
                        + " does not fetch " + given[0] + " (its CMakeLists.txt fetches: "
                        + String.join(", ", fetched.keySet()) + ")");
            }
        }
        for (Map.Entry<String, String> f : fetched.entrySet()) {
            String pinned = f.getValue();
            if (f.getKey().equals(LLAMA_CPP) && llamaCppSource != null) {
                out.add(new Source(LLAMA_CPP, llamaCppSource, checkLlamaCpp(llamaCppSource, pinned, warnings),
                        pinned));
            } else if (f.getKey().equals(JSON) && jsonSource != null) {
                out.add(new Source(JSON, jsonSource, checkJson(jsonSource, pinned, buildDir, warnings), pinned));
            } else {
                out.add(new Source(f.getKey(), null, pinned, pinned));
            }
        }
        return out;
    }

    /** Keys and values, in this order. */
    private static Map<String, String> ordered(String... keysAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    private static String version(Plan plan, String name) {
        return plan.sources().stream().filter(s -> s.name().equals(name)).findFirst().map(Source::version)
                .orElse(null);
    }

    /** FetchContent name to GIT_TAG, in the order java-llama.cpp's CMakeLists.txt declares them. */
    static Map<String, String> fetchedBy(Path bindingSource) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            Matcher m = FETCH_DECLARE.matcher(Files.readString(bindingSource.resolve("CMakeLists.txt"),
                    StandardCharsets.UTF_8));
            while (m.find()) {
                Matcher tag = GIT_TAG.matcher(m.group(2));
                out.put(m.group(1), tag.find() ? tag.group(1) : null);
            }
        } catch (IOException e) {
            throw new NativeBuildException("Cannot read " + bindingSource.resolve("CMakeLists.txt") + ": "
                    + e.getMessage(), e);
        }
        return out;
    }

    /** Checks a llama.cpp tree and returns its version (a tag or {@code commit <sha>}), or null if unknown. */
    private String checkLlamaCpp(Path dir, String pinned, List<String> warnings) {
        String option = "--llama-cpp-source " + dir;
        if (!projectDeclared(dir, "llama\\.cpp")) {
            throw new NativeBuildException(option + " is not a llama.cpp source tree: " + (Files.isRegularFile(
                    dir.resolve("CMakeLists.txt")) ? "its CMakeLists.txt does not declare project(\"llama.cpp\")"
                    : "it has no CMakeLists.txt"));
        }
        String version = gitVersion(dir, pinned);
        if (pinned != null && pinned.equals(version)) {
            return version;
        }
        String binding = "java-llama.cpp " + bindingVersion;
        String problem;
        String fix;
        if (pinned == null) {
            problem = option + (version == null ? "" : " is llama.cpp " + version + ", but") + " dro4j does not know"
                    + " which llama.cpp " + binding + " pins before cloning it";
            fix = "give the binding's checkout with --source too";
        } else if (version == null) {
            problem = option + " has no git metadata to tell its llama.cpp version from, and " + binding + " pins "
                    + pinned;
            fix = "use a git clone at that tag (git clone --depth 1 --branch " + pinned + " " + LLAMA_CPP_REPOSITORY
                    + ")";
        } else {
            problem = option + " is llama.cpp " + version + ", but " + binding + " pins " + pinned;
            fix = "check out " + pinned + " there (git -C " + dir + " checkout " + pinned + ")";
        }
        String risk = "the binding's C++ may not compile against another llama.cpp, or the library may misbehave";
        if (!allowOtherLlamaCpp) {
            throw new NativeBuildException(problem + ": " + risk + ". Either " + fix + ", or pass"
                    + " --allow-other-llama-cpp to build with it anyway.");
        }
        warnings.add(problem + " (allowed by --allow-other-llama-cpp): " + risk + ".");
        return version;
    }

    /** Checks a nlohmann/json source tree or header directory and returns its version, or null if unknown. */
    private String checkJson(Path dir, String pinned, Path buildDir, List<String> warnings) {
        String option = "--json-source " + dir;
        String version;
        if (isJsonTree(dir)) {
            Matcher m = Pattern.compile("project\\s*\\(\\s*\"?nlohmann_json\"?\\s+VERSION\\s+([0-9.]+)")
                    .matcher(read(dir.resolve("CMakeLists.txt")));
            version = m.find() ? m.group(1) : null;
        } else if (Files.isRegularFile(dir.resolve("nlohmann/json.hpp"))) {
            version = jsonHeaderVersion(read(dir.resolve("nlohmann/json.hpp")));
            Path abi = dir.resolve("nlohmann/detail/abi_macros.hpp"); // where the split headers define it
            if (version == null && Files.isRegularFile(abi)) {
                version = jsonHeaderVersion(read(abi));
            }
        } else {
            throw new NativeBuildException(option + " is neither a nlohmann/json source tree (a CMakeLists.txt with"
                    + " project(nlohmann_json ...)) nor a directory holding nlohmann/json.hpp (with Debian's or"
                    + " Ubuntu's nlohmann-json3-dev: /usr/include)");
        }
        String want = pinned == null ? null : pinned.replaceFirst("^v", ""); // json's tags are v3.11.3
        if (want != null && version != null && !version.equals(want)) {
            String major = want.split("\\.")[0];
            if (!version.split("\\.")[0].equals(major)) {
                throw new NativeBuildException(option + " is nlohmann/json " + version + ", but java-llama.cpp "
                        + bindingVersion + " pins " + pinned + ": use a " + major + ".x release");
            }
            warnings.add(option + " is nlohmann/json " + version + ", not " + want + ", which java-llama.cpp "
                    + bindingVersion + " pins: " + major + ".x releases keep their interface, but if the build fails,"
                    + " use " + pinned + ".");
        } else if (version == null) {
            warnings.add(option + ": its nlohmann/json version cannot be told (java-llama.cpp " + bindingVersion
                    + " pins " + pinned + ").");
        }
        return version;
    }

    private static String jsonHeaderVersion(String text) {
        String[] parts = new String[3];
        String[] names = {"MAJOR", "MINOR", "PATCH"};
        for (int i = 0; i < 3; i++) {
            Matcher m = Pattern.compile("#\\s*define\\s+NLOHMANN_JSON_VERSION_" + names[i] + "\\s+([0-9]+)")
                    .matcher(text);
            if (!m.find()) {
                return null;
            }
            parts[i] = m.group(1);
        }
        return String.join(".", parts);
    }

    /** Whether {@code dir} is nlohmann/json's own source tree (else a directory holding its headers). */
    private static boolean isJsonTree(Path dir) {
        return projectDeclared(dir, "nlohmann_json");
    }

    /** Where the CMake project that wraps a header directory of nlohmann/json goes. */
    private static Path jsonWrapper(Path buildDir) {
        return buildDir.resolve("dro-nlohmann_json");
    }

    /** A CMake project that makes installed nlohmann/json headers the target {@code nlohmann_json}, as its own does. */
    private static void writeJsonWrapper(Path dir, Path includeDir, String version) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("CMakeLists.txt"), "# Written by dro4j's native build: nlohmann/json's headers in "
                + includeDir + " as the target nlohmann_json.\n"
                + "cmake_minimum_required(VERSION 3.14)\n"
                + "project(nlohmann_json" + (version == null ? "" : " VERSION " + version) + " LANGUAGES CXX)\n"
                + "add_library(nlohmann_json INTERFACE)\n"
                + "add_library(nlohmann_json::nlohmann_json ALIAS nlohmann_json)\n"
                + "target_include_directories(nlohmann_json SYSTEM INTERFACE \"" + includeDir.toString()
                        .replace("\\", "/").replace("\"", "\\\"") + "\")\n", StandardCharsets.UTF_8);
    }

    private static boolean projectDeclared(Path dir, String projectRegex) {
        Path cmake = dir.resolve("CMakeLists.txt");
        return Files.isRegularFile(cmake) && Pattern.compile("(?i)project\\s*\\(\\s*\"?" + projectRegex + "\"?[\\s)]")
                .matcher(read(cmake)).find();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new NativeBuildException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The version of the git checkout {@code dir} from its {@code .git} (git is not run): the tag at HEAD
     * ({@code preferred} if it is one of several), {@code commit <12 hex digits>} if no tag is, or null if
     * {@code dir} is no git checkout or its HEAD cannot be read.
     */
    static String gitVersion(Path dir, String preferred) {
        try {
            Path dotGit = dir.resolve(".git");
            Path gitDir;
            if (Files.isDirectory(dotGit)) {
                gitDir = dotGit;
            } else if (Files.isRegularFile(dotGit)) { // a linked worktree or a submodule: "gitdir: <path>"
                String line = Files.readString(dotGit, StandardCharsets.UTF_8).strip();
                if (!line.startsWith("gitdir:")) {
                    return null;
                }
                gitDir = dir.resolve(line.substring("gitdir:".length()).strip()).normalize();
            } else {
                return null;
            }
            Path common = gitDir;
            if (Files.isRegularFile(gitDir.resolve("commondir"))) {
                common = gitDir.resolve(Files.readString(gitDir.resolve("commondir"), StandardCharsets.UTF_8).strip())
                        .normalize();
            }
            Map<String, String> packed = new LinkedHashMap<>(); // ref to commit (a tag peeled where git peeled it)
            Path packedRefs = common.resolve("packed-refs");
            if (Files.isRegularFile(packedRefs)) {
                String last = null;
                for (String line : Files.readAllLines(packedRefs, StandardCharsets.UTF_8)) {
                    if (line.startsWith("^") && last != null) {
                        packed.put(last, line.substring(1).strip());
                    } else if (!line.startsWith("#") && line.indexOf(' ') == 40) {
                        last = line.substring(41).strip();
                        packed.put(last, line.substring(0, 40));
                    }
                }
            }
            String head = Files.readString(gitDir.resolve("HEAD"), StandardCharsets.UTF_8).strip();
            String sha = head;
            if (head.startsWith("ref:")) {
                String ref = head.substring("ref:".length()).strip();
                Path loose = Files.isRegularFile(gitDir.resolve(ref)) ? gitDir.resolve(ref) : common.resolve(ref);
                sha = Files.isRegularFile(loose) ? Files.readString(loose, StandardCharsets.UTF_8).strip()
                        : packed.get(ref);
            }
            if (sha == null || !SHA.matcher(sha).matches()) {
                return null;
            }
            java.util.SortedSet<String> tags = new java.util.TreeSet<>();
            for (Map.Entry<String, String> e : packed.entrySet()) {
                if (e.getKey().startsWith("refs/tags/") && e.getValue().equals(sha)) {
                    tags.add(e.getKey().substring("refs/tags/".length()));
                }
            }
            Path looseTags = common.resolve("refs").resolve("tags");
            if (Files.isDirectory(looseTags)) {
                try (Stream<Path> files = Files.walk(looseTags)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        String target = Files.readString(f, StandardCharsets.UTF_8).strip();
                        if (target.equals(sha) || sha.equals(taggedObject(common, target))) {
                            tags.add(looseTags.relativize(f).toString().replace(File.separatorChar, '/'));
                        }
                    }
                }
            }
            if (tags.isEmpty()) {
                return "commit " + sha.substring(0, 12);
            }
            return preferred != null && tags.contains(preferred) ? preferred : tags.first();
        } catch (IOException | RuntimeException e) {
            log.debug("Cannot read the git metadata of {}", dir, e);
            return null;
        }
    }

    /** The object an annotated tag stored as a loose object names, or null (not loose, or not a tag). */
    private static String taggedObject(Path gitDir, String sha) throws IOException {
        if (!SHA.matcher(sha).matches()) {
            return null;
        }
        Path object = gitDir.resolve("objects").resolve(sha.substring(0, 2)).resolve(sha.substring(2));
        if (!Files.isRegularFile(object)) {
            return null;
        }
        try (java.util.zip.InflaterInputStream in = new java.util.zip.InflaterInputStream(
                Files.newInputStream(object))) {
            String head = new String(in.readNBytes(128), StandardCharsets.ISO_8859_1);
            Matcher m = Pattern.compile("^tag \\d+\u0000object ([0-9a-f]{40})\n").matcher(head);
            return m.find() ? m.group(1) : null;
        }
    }

    private String jniIncludes(Path jdk) {
        Path include = jdk.resolve("include");
        String platform = switch (osName) {
            case "Windows" -> "win32";
            case "Mac" -> "darwin";
            default -> "linux";
        };
        Path md = include.resolve(platform);
        return Files.isDirectory(md) ? include + ";" + md : include.toString();
    }

    private static void add(List<Tool> tools, List<String> missing, String name, Path found, String what,
                            String where, String debian, String generic) {
        if (found != null) {
            tools.add(new Tool(name, found));
        } else {
            missing.add("  - " + what + ": " + where + ". Debian/Ubuntu: " + debian + "; elsewhere: " + generic
                    + ".");
        }
    }

    private String lookedFor(String variable, String names) {
        String v = environment.get(variable);
        return v != null && !v.isBlank() ? "$" + variable + " is " + v + ", which is not an executable"
                : names + " not found on PATH";
    }

    private String nvccLookedFor() {
        String v = environment.get("CUDACXX");
        if (v != null && !v.isBlank()) {
            return "$CUDACXX is " + v + ", which is not an executable";
        }
        return "not found on PATH or in " + cudaHome().resolve("bin")
                + (environment.get("CUDA_HOME") == null ? " (set CUDA_HOME or CUDACXX)" : " ($CUDA_HOME/bin)");
    }

    /** An executable on PATH. */
    private Path which(String name) {
        String path = environment.get("PATH");
        if (path == null) {
            return null;
        }
        boolean windows = osName.equals("Windows");
        for (String dir : path.split(Pattern.quote(File.pathSeparator))) {
            if (dir.isBlank()) {
                continue;
            }
            for (String n : windows ? List.of(name + ".exe", name) : List.of(name)) {
                Path p = Path.of(dir, n);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p.toAbsolutePath();
                }
            }
        }
        return null;
    }

    private Path executable(String value) {
        if (value.contains("/") || value.contains(File.separator)) {
            Path p = Path.of(value);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? p.toAbsolutePath() : null;
        }
        return which(value);
    }

    private Path compiler(String variable, String... names) {
        String v = environment.get(variable);
        if (v != null && !v.isBlank()) {
            return executable(v.strip());
        }
        for (String n : names) {
            Path p = which(n);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private Path nvcc() {
        String v = environment.get("CUDACXX");
        if (v != null && !v.isBlank()) {
            return executable(v.strip());
        }
        Path p = which("nvcc");
        if (p != null) {
            return p;
        }
        Path candidate = cudaHome().resolve("bin").resolve("nvcc");
        return Files.isRegularFile(candidate) && Files.isExecutable(candidate) ? candidate : null;
    }

    /** $CUDA_HOME, else /usr/local/cuda. */
    private Path cudaHome() {
        String home = environment.get("CUDA_HOME");
        return home == null || home.isBlank() ? Path.of("/usr/local/cuda") : Path.of(home.strip());
    }

    private Path jdkHome() {
        String v = environment.get("JAVA_HOME");
        if (v != null && !v.isBlank()) {
            return Path.of(v.strip()).toAbsolutePath();
        }
        return javaHome;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String quote(String arg) {
        if (!arg.isEmpty() && arg.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }

    /** Settings of a build; {@link #build()} validates them. */
    public static final class Builder {
        private boolean cuda;
        private boolean openMp;
        private String cudaArchitectures;
        private int jobs = Runtime.getRuntime().availableProcessors();
        private Path source;
        private Path llamaCppSource;
        private Path jsonSource;
        private boolean allowOtherLlamaCpp;
        private Path cacheRoot;
        private Environment environment = Environment.SYSTEM;
        private Path javaHome = Path.of(System.getProperty("java.home"));
        private String bindingVersion;
        private ProcessRunner runner = ProcessRunner.SYSTEM;
        private String osName;
        private String osArch;

        private Builder() { }

        /** Whether to build with CUDA ({@code GGML_CUDA=ON}); default false. */
        public Builder cuda(boolean cuda) {
            this.cuda = cuda;
            return this;
        }

        /**
         * Whether llama.cpp runs its CPU threads with OpenMP ({@code GGML_OPENMP}); default false. With OpenMP, one
         * model generating several sequences at once was faster (on 2 cores, Q4_K_M, 256 new tokens: 172 against 122
         * tokens/s), and several models loaded in one JVM slow each other's decoding to 0.17-0.51x; without it they
         * do not (docs/BENCHMARKS.md, "Where the time goes", cause 6).
         */
        public Builder openMp(boolean openMp) {
            this.openMp = openMp;
            return this;
        }

        /**
         * CMake's {@code CMAKE_CUDA_ARCHITECTURES}, separated by commas or semicolons (for example {@code 86,89});
         * null for CMake's default. Needs {@link #cuda(boolean)}.
         */
        public Builder cudaArchitectures(String list) {
            this.cudaArchitectures = list;
            return this;
        }

        /** Parallel compile jobs; default: the available processors. */
        public Builder jobs(int jobs) {
            this.jobs = jobs;
            return this;
        }

        /** A local checkout of java-llama.cpp at the binding's version, instead of a fresh clone; null to clone. */
        public Builder source(Path directory) {
            this.source = directory;
            return this;
        }

        /**
         * A local llama.cpp source tree, used instead of the one java-llama.cpp's CMake fetches from GitHub
         * ({@code FETCHCONTENT_SOURCE_DIR_LLAMA.CPP}); it is read, not written. It must be a git checkout at the tag
         * the binding pins (b4916 for 4.2.0), unless {@link #allowOtherLlamaCpp(boolean)}. Null to fetch.
         */
        public Builder llamaCppSource(Path directory) {
            this.llamaCppSource = directory;
            return this;
        }

        /**
         * A local nlohmann/json, used instead of the one java-llama.cpp's CMake fetches from GitHub
         * ({@code FETCHCONTENT_SOURCE_DIR_JSON}): its source tree, or a directory holding {@code nlohmann/json.hpp}
         * such as {@code /usr/include} with Debian's {@code nlohmann-json3-dev}. Null to fetch.
         */
        public Builder jsonSource(Path directory) {
            this.jsonSource = directory;
            return this;
        }

        /**
         * Builds with a {@link #llamaCppSource(Path) llama.cpp source} at another version than the binding pins, or
         * one whose version cannot be told, with a warning instead of refusing; default false.
         */
        public Builder allowOtherLlamaCpp(boolean allow) {
            this.allowOtherLlamaCpp = allow;
            return this;
        }

        /** dro4j's cache directory; default {@link CacheDirs#root()}. */
        public Builder cacheRoot(Path directory) {
            this.cacheRoot = directory;
            return this;
        }

        /** Where PATH, CC, CXX, CUDACXX, CUDA_HOME and JAVA_HOME are read; default the process's environment. */
        public Builder environment(Environment environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /** The JDK used when JAVA_HOME is not set; default this JVM's {@code java.home}. */
        public Builder javaHome(Path javaHome) {
            this.javaHome = javaHome;
            return this;
        }

        /** The binding version to build; default {@link NativeChoice#bindingVersion()} (tests set another). */
        public Builder bindingVersion(String version) {
            this.bindingVersion = version;
            return this;
        }

        /** Runs the commands; default {@link ProcessRunner#SYSTEM}. */
        public Builder processRunner(ProcessRunner runner) {
            this.runner = Objects.requireNonNull(runner, "runner");
            return this;
        }

        /** The binding's OS and architecture folder names ({@code Linux}, {@code x86_64}); default this machine's. */
        public Builder platform(String osName, String osArch) {
            this.osName = osName;
            this.osArch = osArch;
            return this;
        }

        /**
         * @throws InvalidRequestException for jobs below 1, CUDA architectures without CUDA, or a malformed list
         */
        public NativeBuild build() {
            if (jobs < 1) {
                throw new InvalidRequestException("jobs must be 1 or more, but was " + jobs);
            }
            if (cudaArchitectures != null) {
                if (!cuda) {
                    throw new InvalidRequestException("CUDA architectures \"" + cudaArchitectures
                            + "\" need a CUDA build (--cuda)");
                }
                List<String> archs = new ArrayList<>();
                for (String a : cudaArchitectures.split("[,;]", -1)) {
                    String s = a.strip().toLowerCase(Locale.ROOT);
                    if (!CUDA_ARCH.matcher(s).matches()) {
                        throw new InvalidRequestException("CUDA architecture \"" + a.strip() + "\" in \""
                                + cudaArchitectures + "\" is not one CMake knows: use numbers such as 75,86,89 (or"
                                + " native, all, all-major)");
                    }
                    archs.add(s);
                }
                cudaArchitectures = String.join(";", archs);
            }
            if (source != null && !Files.isDirectory(source)) {
                throw new InvalidRequestException("source " + source + " is not a directory");
            }
            if (llamaCppSource != null && !Files.isDirectory(llamaCppSource)) {
                throw new InvalidRequestException("--llama-cpp-source " + llamaCppSource + " is not a directory");
            }
            if (jsonSource != null && !Files.isDirectory(jsonSource)) {
                throw new InvalidRequestException("--json-source " + jsonSource + " is not a directory");
            }
            if (allowOtherLlamaCpp && llamaCppSource == null) {
                throw new InvalidRequestException("--allow-other-llama-cpp needs --llama-cpp-source: a llama.cpp"
                        + " that CMake fetches is always the tag the binding pins");
            }
            return new NativeBuild(this);
        }
    }
}
