package dro.backend.llamacpp;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.LogLevel;
import de.kherud.llama.args.LogFormat;
import dro.ModelLoadException;
import dro.internal.CacheDirs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the llama.cpp native library of {@code de.kherud:llama} once per JVM, safely.
 *
 * <p>The binding's own loader deletes every file named {@code llama*} or {@code jllama*} in its temporary directory
 * ({@code java.io.tmpdir} by default) and prints to standard output. So this class extracts the bundled library
 * itself into a private, content-addressed directory under the dro4j cache, points the binding's temporary directory
 * at an empty private directory, and loads from there. Which library is loaded follows {@link NativeChoice}: one the
 * user names, a build of {@code dro native build} in the cache (CUDA when GPUs are asked for), or the bundled one.
 *
 * <p>Native logs: llama.cpp writes straight to the process's standard error. They are paused by default and
 * switched on with the system property {@code dro4j.native.log=true} or the environment variable
 * {@code DRO4J_NATIVE_LOG=1}. Messages from the llama library itself go to SLF4J (logger
 * {@code dro.native}) once a model is loaded.
 */
public final class NativeLibrary {

    private static final Logger log = LoggerFactory.getLogger(NativeLibrary.class);
    private static final Logger NATIVE = LoggerFactory.getLogger("dro.native");
    private static final String LIB_PATH = NativeChoice.LIB_PATH;
    private static final String TMP_DIR = "de.kherud.llama.tmpdir";

    private static NativeChoice loaded;
    private static DaemonAttach.Outcome daemonThreads;
    private static boolean openMp;

    private NativeLibrary() { }

    /** {@link #ensureLoaded(Path, int)} for a model on the CPU. */
    public static Path ensureLoaded(Path customDirectory) {
        return ensureLoaded(customDirectory, 0);
    }

    /**
     * Makes sure the native library is loaded, chosen by {@link NativeChoice}'s rules: {@code customDirectory} when
     * given (a directory holding the platform's {@code jllama} library), else dro4j's CUDA build when
     * {@code numGpus > 0}, else dro4j's host build if there is one, else the library bundled in
     * {@code de.kherud:llama}. Logs (INFO) which library was loaded and from where.
     *
     * @return the directory the library was loaded from
     * @throws ModelLoadException      if that library cannot be found or loaded, was built for another binding
     *                                 version, or this JVM already loaded another one
     * @throws dro.InvalidRequestException if GPUs are asked for and there is no library that can use them
     */
    public static synchronized Path ensureLoaded(Path customDirectory, int numGpus) {
        if (loaded != null) {
            NativeChoice.checkReusable(loaded, customDirectory, numGpus);
            return loaded.directory();
        }
        String libName = System.mapLibraryName("jllama");
        NativeChoice choice = NativeChoice.choose(customDirectory, numGpus, System.getProperty(LIB_PATH),
                CacheDirs.root(), NativeChoice.bindingVersion());
        Path dir = choice.directory() != null ? choice.directory() : extractBundled(libName);
        choice = new NativeChoice(choice.origin(), dir, choice.manifest());
        System.setProperty(LIB_PATH, dir.toString());
        if (System.getProperty(TMP_DIR) == null) {
            Path scratch = CacheDirs.root().resolve("natives").resolve("scratch");
            try {
                Files.createDirectories(scratch);
            } catch (IOException e) {
                throw new ModelLoadException("Cannot create directory " + scratch + ": " + e.getMessage(), e);
            }
            System.setProperty(TMP_DIR, scratch.toString());
        }
        // Asked before loading: the JDK's warning grants a module native access from then on.
        Optional<String> nativeAccess = NativeAccess.restrictsJni()
                ? NativeAccess.flagFor(LlamaModel.class, NativeLibrary.class) : Optional.empty();
        try {
            Class.forName(LlamaModel.class.getName(), true, LlamaModel.class.getClassLoader()); // loads the library
            if (!nativeLogsEnabled()) {
                // Before the first model is loaded, llama.cpp would print to stderr; route to SLF4J instead.
                routeLogsToSlf4j();
            }
        } catch (ClassNotFoundException | LinkageError e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof IllegalCallerException) {
                    throw new ModelLoadException("Cannot load the llama.cpp native library from " + dir + ": the JDK"
                            + " denies native access (" + c.getMessage() + "); add "
                            + NativeAccess.flagFor(List.of(LlamaModel.class.getModule(),
                                    NativeLibrary.class.getModule()), m -> false).orElseThrow()
                            + " to the java command", e);
                }
            }
            throw new ModelLoadException("Cannot load the llama.cpp native library from " + dir + ": " + e, e);
        }
        daemonThreads = DaemonAttach.apply(dir.resolve(libName));
        openMp = linksOpenMp(dir.resolve(libName));
        nativeAccess.ifPresent(flag -> log.warn("Native access is not enabled for java-llama.cpp and dro4j (the JDK's"
                + " \"restricted method\" warning above; a later JDK will refuse to load llama.cpp): add {} to the java"
                + " command", flag));
        log.info("llama.cpp library loaded from {}", choice.describe());
        if (choice.origin() == NativeChoice.Origin.BUNDLED) {
            cpuExtensionsBeyondBundled().ifPresent(flags -> log.info("This CPU has {}, and the library bundled"
                    + " with de.kherud:llama uses AVX2 at most: `bin/dro native build` builds one for this CPU, which"
                    + " dro4j then loads by itself (measured on a 2-core Xeon with AVX-512 and AMX: prompts processed"
                    + " twice as fast; see docs/NATIVE-AND-GPU.md)", flags));
        }
        loaded = choice;
        return dir;
    }

    /** Whether the loaded library runs llama.cpp's CPU threads with OpenMP (see {@link #linksOpenMp}). */
    static synchronized boolean usesOpenMp() {
        return openMp;
    }

    /**
     * Whether the library links an OpenMP runtime (GNU's libgomp, LLVM's libomp, Intel's libiomp5, Microsoft's vcomp),
     * read from the names of the libraries it needs. The library bundled with de.kherud:llama 4.2.0 does on Linux;
     * {@code dro native build} makes one without ({@code GGML_OPENMP=OFF}). False if the file cannot be read.
     */
    static boolean linksOpenMp(Path library) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(library);
        } catch (IOException | RuntimeException e) {
            log.debug("cannot read {} to see whether it uses OpenMP: {}", library, e.toString());
            return false;
        }
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1); // a byte-for-byte copy
        return List.of("libgomp.so", "libomp.so", "libomp.dylib", "libiomp5", "VCOMP140.DLL", "vcomp140.dll").stream()
                .anyMatch(text::contains);
    }

    /**
     * The instruction-set extensions in {@code cpuInfo} (the text of Linux's {@code /proc/cpuinfo}) that the bundled
     * library does not use and a build for this CPU would: AVX-512 and AMX; empty if there are none or the text names
     * no flags (another OS).
     */
    static Optional<String> widerThanBundled(String cpuInfo) {
        for (String line : cpuInfo.split("\n")) {
            if (line.startsWith("flags") && line.indexOf(':') > 0) {
                List<String> flags = Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                List<String> wider = new ArrayList<>();
                if (flags.contains("avx512f")) {
                    wider.add("AVX-512");
                }
                if (flags.contains("amx_int8") || flags.contains("amx_bf16")) {
                    wider.add("AMX");
                }
                return wider.isEmpty() ? Optional.empty() : Optional.of(String.join(" and ", wider));
            }
        }
        return Optional.empty();
    }

    /**
     * The instruction-set extensions of this CPU that the bundled library does not use and a build for this CPU would
     * ({@link #widerThanBundled}, from {@code /proc/cpuinfo}); empty where there are none or the OS does not say.
     */
    public static Optional<String> cpuExtensionsBeyondBundled() {
        return widerThanBundled(readCpuInfo());
    }

    private static String readCpuInfo() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) { // not Linux, or not readable: no hint
            return "";
        }
    }

    /** The library this JVM loaded and why, if it loaded one. */
    public static synchronized Optional<NativeChoice> loaded() {
        return Optional.ofNullable(loaded);
    }

    /**
     * Whether the loaded library may use GPUs: a CUDA build, or one the user named (the bundled library and a host
     * build cannot).
     */
    public static synchronized boolean isCustom() {
        return loaded != null && loaded.mayUseGpus();
    }

    /**
     * Whether llama.cpp's native threads attach to the JVM as daemon threads, so that they do not keep it from exiting
     * (see {@link DaemonAttach}); false before the library is loaded.
     */
    public static synchronized boolean nativeThreadsAreDaemons() {
        return daemonThreads == DaemonAttach.Outcome.APPLIED;
    }

    /** Whether llama.cpp's own console logs were asked for. */
    public static boolean nativeLogsEnabled() {
        String prop = System.getProperty("dro4j.native.log");
        if (prop != null) {
            return Boolean.parseBoolean(prop);
        }
        String env = dro.Environment.SYSTEM.get("DRO4J_NATIVE_LOG");
        return env != null && (env.equals("1") || env.equalsIgnoreCase("true"));
    }

    /**
     * Sends llama.cpp's library messages to SLF4J: errors and warnings as such, the rest at DEBUG/TRACE.
     * llama.cpp resets its log target whenever a model is loaded, so this is called again after each load.
     */
    static void routeLogsToSlf4j() {
        LlamaModel.setLogger(LogFormat.TEXT, NativeLibrary::toSlf4j);
    }

    private static void toSlf4j(LogLevel level, String message) {
        String m = message.strip();
        if (m.isEmpty() || m.equals(".")) {
            return;
        }
        switch (level) {
            case ERROR -> NATIVE.error(m);
            case WARN -> NATIVE.warn(m);
            case INFO -> NATIVE.debug(m);
            default -> NATIVE.trace(m);
        }
    }

    /** Extracts the library bundled with the binding into the dro4j cache (once) and returns its directory. */
    static Path extractBundled(String libName) {
        String resource = "/de/kherud/llama/" + osFolder() + "/" + archFolder() + "/" + libName;
        byte[] bytes;
        try (InputStream in = LlamaModel.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ModelLoadException("de.kherud:llama has no native library for this platform (looked for "
                        + resource + "); build one and set nativeLibraryPath");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read the bundled native library " + resource, e);
        }
        Path dir = CacheDirs.root().resolve("natives").resolve("jllama-" + sha256(bytes).substring(0, 16));
        Path target = dir.resolve(libName);
        try {
            if (!Files.isRegularFile(target) || Files.size(target) != bytes.length) {
                Files.createDirectories(dir);
                Path tmp = Files.createTempFile(dir, "extract", ".tmp");
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new ModelLoadException("Cannot extract the native library to " + target + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** The binding's folder name for this OS: Linux, Mac or Windows. */
    static String osFolder() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("win")) {
            return "Windows";
        }
        if (os.contains("mac") || os.contains("darwin")) {
            return "Mac";
        }
        return "Linux";
    }

    /** The binding's folder name for this CPU architecture. */
    static String archFolder() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
    }

    private static String sha256(byte[] bytes) {
        return dro.internal.Digests.sha256Hex(bytes);
    }
}
