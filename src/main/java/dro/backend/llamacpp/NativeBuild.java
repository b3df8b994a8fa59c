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
import java.util.List;
import java.util.Locale;
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
 *       a JDK's JNI headers. All missing tools are named at once, each with how to install it; nothing runs then.</li>
 *   <li>Takes java-llama.cpp at the binding's own version ({@link NativeChoice#bindingVersion()}): a shallow
 *       {@code git clone --branch v<version>} into the cache, or a local checkout, whose {@code pom.xml} must name
 *       that version.</li>
 *   <li>Configures with CMake (Release, {@code GGML_NATIVE=ON} for the host's CPU features, {@code GGML_CUDA=ON}
 *       and {@code CMAKE_CUDA_ARCHITECTURES} when asked), then builds the {@code jllama} target. CMake fetches
 *       llama.cpp and nlohmann/json from GitHub while configuring, so the build needs the network.</li>
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
    /** Lines of a failing step's output its error message quotes. */
    static final int TAIL_LINES = 25;
    private static final Pattern CUDA_ARCH = Pattern.compile("[0-9]{2,3}[a-z]?(-real|-virtual)?|native|all|all-major");

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
     */
    public record Plan(String bindingVersion, boolean cuda, String cudaArchitectures, int jobs, Path source,
                       List<Tool> tools, List<Step> steps, Path buildDirectory, Path builtLibrary,
                       Path installDirectory) {
        public Plan {
            tools = List.copyOf(tools);
            steps = List.copyOf(steps);
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
    private final Path cacheRoot;
    private final Environment environment;
    private final Path javaHome;
    private final String bindingVersion;
    private final ProcessRunner runner;
    private final String osName;
    private final String osArch;

    private NativeBuild(Builder b) {
        this.cuda = b.cuda;
        this.cudaArchitectures = b.cudaArchitectures;
        this.jobs = b.jobs;
        this.source = b.source == null ? null : b.source.toAbsolutePath().normalize();
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
        List<Step> steps = new ArrayList<>();
        if (source == null) {
            steps.add(new Step("clone", List.of(git.toString(), "clone", "--depth", "1", "--branch",
                    "v" + bindingVersion, REPOSITORY, src.toString()), work));
        }
        List<String> configure = new ArrayList<>(List.of(cmake.toString(), "-S", src.toString(), "-B",
                buildDir.toString(), "-DCMAKE_BUILD_TYPE=Release", "-DGGML_NATIVE=ON", "-DOS_NAME=" + osName,
                "-DOS_ARCH=" + osArch, "-DJNI_INCLUDE_DIRS=" + jniIncludes(jdk), "-DCMAKE_C_COMPILER=" + cc,
                "-DCMAKE_CXX_COMPILER=" + cxx));
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
                NativeChoice.installDirectory(cacheRoot, bindingVersion, cuda));
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
        } catch (IOException e) {
            throw new NativeBuildException("Cannot prepare " + work + ": " + e.getMessage(), e);
        }
        int total = plan.steps().size() + 1;
        String llamaCpp = null;
        for (int i = 0; i < plan.steps().size(); i++) {
            Step step = plan.steps().get(i);
            if (step.name().equals("configure")) {
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
                started.toString(), source == null ? REPOSITORY + " v" + bindingVersion : source.toString());
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
        private String cudaArchitectures;
        private int jobs = Runtime.getRuntime().availableProcessors();
        private Path source;
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
            return new NativeBuild(this);
        }
    }
}
