package dro.backend.llamacpp;

import dro.DroException;
import dro.FileAccessException;
import dro.internal.CacheDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a llama.cpp native library is: where it comes from, the versions, the CPU features it was built for, whether
 * it has CUDA and which CUDA devices this machine has. This is what {@code dro native info} prints.
 *
 * <p>The build and system information come from llama.cpp itself, which prints them only while loading a model:
 * {@link #of} runs a child JVM ({@link NativeProbe}) that loads the library and asks for a model file that does not
 * exist, and reads what llama.cpp prints. The current JVM loads nothing.
 *
 * @param library         the library and why it is the one
 * @param loaded          whether this JVM has loaded it (else it is the one that would be loaded)
 * @param bindingVersion  the {@code de.kherud:llama} version on the class path
 * @param llamaCppBuild   llama.cpp's build as it reports it (for example {@code 4916 (c6af2161)}), or null
 * @param backends        the backends of llama.cpp's system information with their features (for example
 *                        {@code CPU -> [SSE3, AVX, AVX2]}, {@code CUDA -> [ARCHS = 860, USE_GRAPHS]}); empty if
 *                        unknown
 * @param cudaDevices     the CUDA devices llama.cpp reported, one line each ({@code 0: NVIDIA ..., compute
 *                        capability 8.6, VMM: yes})
 * @param probeError      why the system information is unknown, or null
 */
public record NativeInfo(NativeChoice library, boolean loaded, String bindingVersion, String llamaCppBuild,
                         Map<String, List<String>> backends, List<String> cudaDevices, String probeError) {

    private static final Pattern BUILD = Pattern.compile("^build: (\\S+ \\([^)]*\\))");
    private static final Pattern DEVICE = Pattern.compile("^\\s*Device (\\d+): (.+)$");

    public NativeInfo {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        backends.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        backends = java.util.Collections.unmodifiableMap(copy);
        cudaDevices = List.copyOf(cudaDevices);
    }

    /** Whether the library was built with CUDA. */
    public boolean hasCuda() {
        return backends.containsKey("CUDA");
    }

    /**
     * Describes the library this JVM loaded, else the one {@link NativeLibrary#ensureLoaded(Path, int)} would load
     * for {@code explicit} and {@code numGpus}.
     *
     * @throws dro.DroException if no library can be chosen (for example GPUs without a CUDA build)
     */
    public static NativeInfo of(Path explicit, int numGpus) {
        String binding = NativeChoice.bindingVersion();
        NativeChoice choice = NativeLibrary.loaded().orElse(null);
        boolean loaded = choice != null;
        if (choice == null) {
            choice = NativeChoice.choose(explicit, numGpus, System.getProperty(NativeChoice.LIB_PATH),
                    CacheDirs.root(), binding);
            if (choice.directory() == null) {
                choice = new NativeChoice(choice.origin(),
                        NativeLibrary.extractBundled(System.mapLibraryName("jllama")), null);
            }
        }
        return probe(choice, loaded, binding);
    }

    /**
     * Describes the library {@code choice} names (for example one {@link NativeBuild} just installed), loading it in
     * a child JVM only.
     */
    public static NativeInfo of(NativeChoice choice) {
        return probe(choice, false, NativeChoice.bindingVersion());
    }

    private static NativeInfo probe(NativeChoice choice, boolean loaded, String binding) {
        List<String> lines = new ArrayList<>();
        String error = probe(choice.directory(), lines);
        return parse(choice, loaded, binding, lines, error);
    }

    /** Reads llama.cpp's printed build and system information. */
    static NativeInfo parse(NativeChoice library, boolean loaded, String binding, List<String> lines, String error) {
        String build = null;
        Map<String, List<String>> backends = new LinkedHashMap<>();
        List<String> devices = new ArrayList<>();
        boolean sawSystemInfo = false;
        for (String line : lines) {
            Matcher b = BUILD.matcher(line);
            if (b.find() && build == null) {
                build = b.group(1);
            }
            Matcher d = DEVICE.matcher(line);
            if (d.find()) {
                devices.add(d.group(1) + ": " + d.group(2).strip());
            }
            int at = line.indexOf("system_info:");
            if (at >= 0 && !sawSystemInfo) {
                sawSystemInfo = true;
                String[] parts = line.substring(at).split("\\|");
                String backend = null;
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].strip();
                    if (p.isEmpty()) {
                        continue;
                    }
                    int colon = p.indexOf(" : ");
                    if (colon >= 0) {
                        backend = p.substring(0, colon).strip();
                        p = p.substring(colon + 3).strip();
                        backends.computeIfAbsent(backend, k -> new ArrayList<>());
                    }
                    if (backend != null) {
                        backends.get(backend).add(p.endsWith(" = 1") ? p.substring(0, p.length() - 4) : p);
                    }
                }
            }
        }
        if (error == null && !sawSystemInfo) {
            error = "llama.cpp printed no system information";
        }
        return new NativeInfo(library, loaded, binding, build, backends, devices, error);
    }

    /** The features of one backend (CPU, CUDA, ...), empty if it is not in the library. */
    public List<String> features(String backend) {
        return backends.getOrDefault(backend, List.of());
    }

    /** The builds {@code dro native build} installed in {@code cacheRoot}, by directory. */
    public static Map<Path, NativeManifest> cachedBuilds(Path cacheRoot) {
        Map<Path, NativeManifest> out = new LinkedHashMap<>();
        Path natives = cacheRoot.resolve("natives");
        if (!Files.isDirectory(natives)) {
            return out;
        }
        try (Stream<Path> s = Files.list(natives)) {
            for (Path d : s.sorted().toList()) {
                String n = d.getFileName().toString();
                if ((n.endsWith("-cpu") || n.endsWith("-cuda")) && Files.isDirectory(d)) {
                    NativeManifest.read(d).ifPresent(m -> out.put(d, m));
                }
            }
        } catch (IOException e) {
            throw new FileAccessException("Cannot list " + natives + ": " + e.getMessage(), natives, e);
        }
        return out;
    }

    /**
     * The class path of a child JVM that runs one of dro4j's classes: this JVM's class path and, when dro4j runs as
     * the module {@code dro4j}, its module path too (the child needs no module: it runs on the class path either way).
     */
    static String childClassPath() {
        java.util.LinkedHashSet<String> entries = new java.util.LinkedHashSet<>();
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property);
            if (value != null) {
                for (String e : value.split(java.io.File.pathSeparator)) {
                    if (e.isEmpty()) {
                        continue;
                    }
                    Path entry = Path.of(e);
                    // A module path directory is an exploded module (it has module-info.class) or holds jars.
                    boolean jarDirectory = property.equals("jdk.module.path") && Files.isDirectory(entry)
                            && !Files.exists(entry.resolve("module-info.class"));
                    entries.add(jarDirectory ? entry.resolve("*").toString() : e);
                }
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** Runs {@link NativeProbe} on {@code dir} in a child JVM; returns null, or why it failed. */
    private static String probe(Path dir, List<String> lines) {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        String java = Files.isExecutable(javaBin) ? javaBin.toString()
                : ProcessHandle.current().info().command().orElse("java");
        // Native access for the class path: the probe loads llama.cpp (accepted by every JDK from 17; Java 24+ warns
        // without it).
        List<String> command = List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", childClassPath(),
                "-Ddro4j.cache.dir=" + CacheDirs.root().toAbsolutePath(), "-Ddro4j.native.daemonThreads=false",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.logFile=System.err",
                NativeProbe.class.getName(), dir.toString());
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.add(line);
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "the probe did not end within 60 s";
            }
            if (p.exitValue() != 0 || !lines.contains(NativeProbe.DONE)) {
                String why = lines.stream().filter(l -> !l.isBlank() && !l.startsWith("\t") && !l.startsWith(" "))
                        .reduce((a, b) -> b).orElse("no output");
                for (String l : lines) {
                    if (l.startsWith("Exception in thread") || l.contains("Error: ")) {
                        why = l.strip();
                        break;
                    }
                }
                return "a JVM loading " + dir + " (" + NativeProbe.class.getSimpleName() + ") ended with exit code "
                        + p.exitValue() + ": " + why;
            }
            return null;
        } catch (IOException e) {
            return "cannot start a JVM for the probe: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
