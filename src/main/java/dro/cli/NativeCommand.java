package dro.cli;

import dro.ModelLoadException;
import dro.backend.llamacpp.GpuInfo;
import dro.backend.llamacpp.NativeBuild;
import dro.backend.llamacpp.NativeChoice;
import dro.backend.llamacpp.NativeInfo;
import dro.backend.llamacpp.NativeLibrary;
import dro.backend.llamacpp.NativeManifest;
import dro.internal.CacheDirs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dro native}: builds llama.cpp's native library for this machine (CUDA too) and says which one is used. */
@Command(name = "native", mixinStandardHelpOptions = true,
        description = "Builds the llama.cpp native library for this machine (with CUDA if asked) and shows which"
                + " library local models use.",
        subcommands = {NativeCommand.Build.class, NativeCommand.Info.class})
final class NativeCommand implements Runnable {

    @Spec
    CommandSpec spec;
    @ParentCommand
    Main main;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: build or info");
    }

    @Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Builds java-llama.cpp's native library at the version of the de.kherud:llama binding"
                    + " dro4j uses, with the host's CPU features (GGML_NATIVE) and, with --cuda, CUDA; then installs"
                    + " it into <cache>/natives/<binding version>-<cpu|cuda>/, where local models find it: the CUDA"
                    + " build when --num-gpus is above 0, the host build otherwise. Needs git (unless --source),"
                    + " cmake, a C and a C++ compiler, a JDK's JNI headers, nvcc for --cuda, and the network: git"
                    + " clones java-llama.cpp, and its CMake fetches llama.cpp and nlohmann/json from GitHub while"
                    + " configuring. With all three sources local (--source, --llama-cpp-source, --json-source) the"
                    + " build needs no network. Missing tools and unfit sources are named before anything runs."},
            footer = {"", "Examples:", "  bin/dro native build --cuda", "  bin/dro native build --cuda --cuda-arch 86,89"
                    + " --jobs 8", "  bin/dro native build --source ~/src/java-llama.cpp --dry-run", "",
                    "Offline (no network): on a connected machine",
                    "  git clone --branch v4.2.0 https://github.com/kherud/java-llama.cpp",
                    "  git clone --depth 1 --branch b4916 https://github.com/ggml-org/llama.cpp",
                    "  git clone --depth 1 --branch v3.11.3 https://github.com/nlohmann/json",
                    "copy the three directories over, then:",
                    "  bin/dro native build --source java-llama.cpp \\",
                    "      --llama-cpp-source llama.cpp --json-source json",
                    "(4.2.0 and b4916 are the binding's version and its llama.cpp tag; --dry-run shows both. Instead"
                    + " of the json clone, --json-source /usr/include takes Debian's or Ubuntu's nlohmann-json3-dev.)"})
    static final class Build implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        NativeCommand parent;

        @Option(names = "--cuda", description = "Build with CUDA (GGML_CUDA=ON); needs nvcc.")
        boolean cuda;
        @Option(names = "--openmp", description = "Run llama.cpp's CPU threads with OpenMP (GGML_OPENMP=ON):"
                + " faster for one model generating several answers at once, but several models in one JVM then"
                + " slow each other down (to 0.17-0.51x measured). Default: off.")
        boolean openMp;
        @Option(names = "--cuda-arch", paramLabel = "LIST", description = "CUDA architectures, e.g. 86,89"
                + " (CMAKE_CUDA_ARCHITECTURES). Default: llama.cpp's choice, which with GGML_NATIVE means the GPUs of"
                + " this machine; give it when building on a machine without the target GPU.")
        String cudaArch;
        @Option(names = "--jobs", paramLabel = "N", description = "Parallel compile jobs (default: the number of"
                + " processors).")
        Integer jobs;
        @Option(names = "--source", paramLabel = "DIR", description = "A local checkout of java-llama.cpp at the"
                + " binding's version, instead of a fresh git clone. The library is written inside it first.")
        Path source;
        @Option(names = "--llama-cpp-source", paramLabel = "DIR", description = "A local llama.cpp source tree"
                + " instead of the one CMake fetches from GitHub (FETCHCONTENT_SOURCE_DIR_LLAMA.CPP); read, not"
                + " written. It must be a git checkout at the tag java-llama.cpp pins (b4916 for 4.2.0), else the"
                + " build is refused unless --allow-other-llama-cpp.")
        Path llamaCppSource;
        @Option(names = "--json-source", paramLabel = "DIR", description = "A local nlohmann/json instead of the one"
                + " CMake fetches from GitHub (FETCHCONTENT_SOURCE_DIR_JSON): its source tree, or a directory holding"
                + " nlohmann/json.hpp such as /usr/include with the nlohmann-json3-dev package.")
        Path jsonSource;
        @Option(names = "--allow-other-llama-cpp", description = "Build with a --llama-cpp-source at another version"
                + " than java-llama.cpp pins, or whose version cannot be told, with a warning: the build may fail or"
                + " the library misbehave.")
        boolean allowOtherLlamaCpp;
        @Option(names = "--dry-run", description = "Check the tools and print the commands and the install"
                + " location; run nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            NativeBuild.Builder b = NativeBuild.builder().cuda(cuda).openMp(openMp).cudaArchitectures(cudaArch)
                    .source(source).llamaCppSource(llamaCppSource).jsonSource(jsonSource)
                    .allowOtherLlamaCpp(allowOtherLlamaCpp)
                    .environment(parent.main.environment);
            if (jobs != null) {
                b.jobs(jobs);
            }
            NativeBuild build = b.build();
            if (dryRun) {
                out.print(build.plan().describe());
                out.flush();
                return 0;
            }
            NativeBuild.Result r = build.run(new NativeBuild.Listener() {
                @Override
                public void step(int number, int total, NativeBuild.Step step) {
                    err.println("dro: [" + number + "/" + total + "] " + step.name() + ": "
                            + (step.command().isEmpty() ? step.directory() : step.commandLine()));
                    err.flush();
                }

                @Override
                public void output(String line) {
                    err.println(line);
                    err.flush();
                }

                @Override
                public void warning(String message) {
                    err.println("dro: warning: " + message);
                    err.flush();
                }
            });
            out.println("Installed " + r.library());
            out.println("  " + r.manifest().describe());
            if (!r.daemonThreads()) {
                out.println("  Warning: the library has no symbol table entry for g_vm (stripped?), so llama.cpp's"
                        + " threads will keep a JVM alive after main returns (docs/NATIVE-AND-GPU.md#exiting-the-jvm).");
            }
            NativeInfo check = NativeInfo.of(new NativeChoice(cuda ? NativeChoice.Origin.CACHED_CUDA
                    : NativeChoice.Origin.CACHED_CPU, r.library().getParent(), r.manifest()));
            if (check.probeError() != null) {
                out.println("  Warning: loading it in a test JVM failed (" + check.probeError() + ").");
            } else {
                out.println("  llama.cpp build " + check.llamaCppBuild() + "; CPU features: "
                        + String.join(", ", check.features("CPU")));
                out.println(check.hasCuda() ? "  CUDA: " + String.join(", ", check.features("CUDA"))
                        : cuda ? "  Warning: the library has no CUDA backend." : "  CUDA: not in this library");
            }
            out.println(cuda ? "Local models with --num-gpus 1 or more use it." : "Local models with --num-gpus 0"
                    + " use it.");
            out.flush();
            return 0;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Shows the llama.cpp library local models use (for --num-gpus and --native-lib-path as"
                    + " given) and where it comes from, the binding's and llama.cpp's versions, the CPU features it"
                    + " was built for, its CUDA support and the CUDA devices with their free memory, and the builds"
                    + " of 'dro native build' in the cache. It loads the library in a child JVM."})
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--num-gpus", defaultValue = "0", description = "Which library a model with this many GPUs"
                + " would load (default: 0).")
        int numGpus;
        @Option(names = "--native-lib-path", paramLabel = "DIR", description = "A directory with a jllama library"
                + " (it wins over the cache).")
        Path nativeLibPath;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            NativeInfo info = NativeInfo.of(nativeLibPath, numGpus);
            out.println("Library: " + info.library().directory().resolve(System.mapLibraryName("jllama")));
            out.println("  " + (info.loaded() ? "loaded" : "would be loaded") + ": "
                    + info.library().origin().description()
                    + (info.library().manifest() == null ? "" : "; " + info.library().manifest().describe()));
            out.println("Binding: de.kherud:llama " + info.bindingVersion());
            out.println("llama.cpp: " + (info.llamaCppBuild() != null ? "build " + info.llamaCppBuild() : "unknown"));
            if (info.probeError() != null) {
                out.println("CPU features: unknown (" + info.probeError() + ")");
                out.println("CUDA: unknown");
            } else {
                out.println("CPU features: " + String.join(", ", info.features("CPU")));
                if (!info.hasCuda()) {
                    out.println("CUDA: not in this library");
                } else {
                    out.println("CUDA: " + String.join(", ", info.features("CUDA")));
                    printDevices(out, info.cudaDevices());
                }
            }
            if (info.library().origin() == NativeChoice.Origin.BUNDLED) {
                NativeLibrary.cpuExtensionsBeyondBundled().ifPresent(ext -> out.println("This CPU has " + ext
                        + ", which this library does not use: 'dro native build' makes one for this CPU (see"
                        + " docs/NATIVE-AND-GPU.md)."));
            }
            Map<Path, NativeManifest> builds = NativeInfo.cachedBuilds(CacheDirs.root());
            if (builds.isEmpty()) {
                out.println("Builds of 'dro native build': none in " + CacheDirs.root().resolve("natives"));
            } else {
                out.println("Builds of 'dro native build':");
                builds.forEach((dir, m) -> out.println("  " + dir + ": " + m.describe()));
            }
            out.flush();
            return 0;
        }

        private static void printDevices(PrintWriter out, List<String> devices) {
            long[] free;
            try {
                free = GpuInfo.NVIDIA_SMI.freeMemoryBytes();
            } catch (ModelLoadException e) {
                free = null;
                out.println("  free memory: unknown (" + e.getMessage() + ")");
            }
            int n = Math.max(devices.size(), free == null ? 0 : free.length);
            if (n == 0) {
                out.println("  devices: none found");
            }
            for (int i = 0; i < n; i++) {
                String name = i < devices.size() ? devices.get(i) : i + ":";
                String mem = free != null && i < free.length ? ", " + free[i] / (1024 * 1024) + " MiB free" : "";
                out.println("  device " + name + mem);
            }
        }
    }
}
