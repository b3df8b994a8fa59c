package dro.backend.llamacpp;

import de.kherud.llama.LlamaModel;
import dro.InvalidRequestException;
import dro.ModelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Which llama.cpp native library a JVM loads, and why.
 *
 * <h2>The rules</h2>
 * <ol>
 *   <li>{@code nativeLibraryPath} (a directory holding {@code libjllama.so}), when given, always wins.</li>
 *   <li>Else the system property {@code de.kherud.llama.lib.path}, when set.</li>
 *   <li>Else, with {@code numGpus > 0}, the CUDA build {@code dro native build --cuda} installed in
 *       {@code <cache>/natives/<binding version>-cuda/}; there must be one.</li>
 *   <li>Else, with {@code numGpus == 0}, the host build {@code dro native build} installed in
 *       {@code <cache>/natives/<binding version>-cpu/} if there is one, and the library bundled with
 *       {@code de.kherud:llama} otherwise.</li>
 * </ol>
 * A directory with a manifest ({@link NativeManifest}) that names another binding version is refused.
 *
 * <p>A JVM loads one native library. A later model with no {@code nativeLibraryPath} reuses it: with
 * {@code numGpus == 0} whatever was loaded (every build runs on the CPU), with {@code numGpus > 0} only a library
 * that may use GPUs; anything else is refused with a message naming both libraries.
 *
 * @param origin    why this library
 * @param directory the directory holding the library; null for the bundled library until it is extracted
 * @param manifest  the manifest {@code dro native build} wrote beside it, or null
 */
public record NativeChoice(Origin origin, Path directory, NativeManifest manifest) {

    /** The system property the binding reads for the library's directory. */
    static final String LIB_PATH = "de.kherud.llama.lib.path";

    /** Where the chosen library comes from. */
    public enum Origin {
        /** {@code nativeLibraryPath}. */
        EXPLICIT("nativeLibraryPath"),
        /** The system property {@code de.kherud.llama.lib.path}. */
        SYSTEM_PROPERTY("the system property " + LIB_PATH),
        /** {@code dro native build --cuda}. */
        CACHED_CUDA("dro4j's CUDA build (dro native build --cuda)"),
        /** {@code dro native build}. */
        CACHED_CPU("dro4j's host build (dro native build)"),
        /** The CPU library inside {@code de.kherud:llama}'s jar. */
        BUNDLED("the CPU library bundled with de.kherud:llama");

        private final String description;

        Origin(String description) {
            this.description = description;
        }

        /** In words, for logs and messages. */
        public String description() {
            return description;
        }
    }

    /** Whether this library may use GPUs: a CUDA build, or one the user named (dro4j cannot tell). */
    public boolean mayUseGpus() {
        return switch (origin) {
            case BUNDLED, CACHED_CPU -> false;
            case CACHED_CUDA -> true;
            case EXPLICIT, SYSTEM_PROPERTY -> manifest == null || manifest.cuda();
        };
    }

    /** The library file's directory and where it comes from, in words. */
    public String describe() {
        return (directory == null ? "(not extracted yet)" : directory.toString()) + ", " + origin.description()
                + (manifest == null ? "" : ": " + manifest.describe());
    }

    /** The version of {@code de.kherud:llama} on the class path, from its jar's Maven metadata. */
    public static String bindingVersion() {
        String resource = "/META-INF/maven/de.kherud/llama/pom.properties";
        try (InputStream in = LlamaModel.class.getResourceAsStream(resource)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v.strip();
                }
            }
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read " + resource + " from de.kherud:llama's jar: " + e.getMessage(),
                    e);
        }
        throw new ModelLoadException("Cannot tell the version of de.kherud:llama: its jar has no " + resource
                + " (a repackaged jar?)");
    }

    /** Where {@code dro native build} installs the library for a binding version: {@code <cache>/natives/<v>-<cpu|cuda>}. */
    public static Path installDirectory(Path cacheRoot, String bindingVersion, boolean cuda) {
        return cacheRoot.resolve("natives").resolve(bindingVersion + (cuda ? "-cuda" : "-cpu"));
    }

    /**
     * Chooses the library by the rules above, without loading anything.
     *
     * @param explicit         {@code nativeLibraryPath} (a directory, or the library file itself), or null
     * @param numGpus          how many GPUs the model asks for
     * @param libPathProperty  the value of {@code de.kherud.llama.lib.path}, or null
     * @param cacheRoot        dro4j's cache directory
     * @param bindingVersion   the version of {@code de.kherud:llama} on the class path
     * @throws ModelLoadException      if the named directory holds no library, or a library was built for another
     *                                 binding version
     * @throws InvalidRequestException if GPUs are asked for and there is no CUDA build
     */
    public static NativeChoice choose(Path explicit, int numGpus, String libPathProperty, Path cacheRoot,
                                      String bindingVersion) {
        String libName = System.mapLibraryName("jllama");
        if (explicit != null) {
            Path d = explicit.toAbsolutePath().normalize();
            if (Files.isRegularFile(d) && d.getFileName().toString().equals(libName)) {
                d = d.getParent();
            }
            if (!Files.isRegularFile(d.resolve(libName))) {
                throw new ModelLoadException("nativeLibraryPath " + explicit + " does not contain " + libName
                        + " (build one with: bin/dro native build [--cuda]; README \"Scaling\")");
            }
            return new NativeChoice(Origin.EXPLICIT, d, checkedManifest(d, bindingVersion));
        }
        if (libPathProperty != null && !libPathProperty.isBlank()) {
            Path d = Path.of(libPathProperty).toAbsolutePath().normalize();
            return new NativeChoice(Origin.SYSTEM_PROPERTY, d, checkedManifest(d, bindingVersion));
        }
        if (numGpus > 0) {
            Path d = installDirectory(cacheRoot, bindingVersion, true);
            if (!Files.isRegularFile(d.resolve(libName))) {
                throw new InvalidRequestException("numGpus " + numGpus + " asks for GPUs, but the llama.cpp library"
                        + " bundled with de.kherud:llama is CPU-only and there is no CUDA build in " + d
                        + otherVersions(cacheRoot, bindingVersion, "-cuda")
                        + ": run bin/dro native build --cuda (README \"Scaling\"), or set nativeLibraryPath,"
                        + " or set numGpus to 0");
            }
            NativeManifest m = checkedManifest(d, bindingVersion);
            return new NativeChoice(Origin.CACHED_CUDA, d, m);
        }
        Path cpu = installDirectory(cacheRoot, bindingVersion, false);
        if (Files.isRegularFile(cpu.resolve(libName))) {
            return new NativeChoice(Origin.CACHED_CPU, cpu, checkedManifest(cpu, bindingVersion));
        }
        return new NativeChoice(Origin.BUNDLED, null, null);
    }

    /**
     * Checks that a JVM which already loaded {@code loaded} can serve a model asking for {@code explicit} and
     * {@code numGpus}.
     *
     * @throws ModelLoadException      naming both libraries when another library is named
     * @throws InvalidRequestException naming both libraries when GPUs are asked for and the loaded one has none
     */
    static void checkReusable(NativeChoice loaded, Path explicit, int numGpus) {
        if (explicit != null) {
            Path d = explicit.toAbsolutePath().normalize();
            if (d.getFileName() != null && d.getFileName().toString().equals(System.mapLibraryName("jllama"))) {
                d = d.getParent();
            }
            if (!d.equals(loaded.directory())) {
                throw new ModelLoadException("nativeLibraryPath " + explicit + " cannot be used: this JVM already"
                        + " loaded the llama.cpp library from " + loaded.describe()
                        + ", and a JVM can load only one; use the same library for every model, or another JVM");
            }
            return;
        }
        if (numGpus > 0 && !loaded.mayUseGpus()) {
            throw new InvalidRequestException("numGpus " + numGpus + " asks for GPUs, but this JVM already loaded"
                    + " a CPU-only llama.cpp library from " + loaded.describe() + ", and a JVM can load only one:"
                    + " load the GPU model first (the CUDA build of bin/dro native build --cuda also runs models on"
                    + " the CPU), or use another JVM");
        }
    }

    private static NativeManifest checkedManifest(Path dir, String bindingVersion) {
        NativeManifest m = NativeManifest.read(dir).orElse(null);
        if (m != null && !bindingVersion.equals(m.bindingVersion())) {
            throw new ModelLoadException("The llama.cpp library in " + dir + " was built for de.kherud:llama "
                    + m.bindingVersion() + ", but dro4j uses de.kherud:llama " + bindingVersion
                    + ": their native interfaces differ. Rebuild it: bin/dro native build"
                    + (m.cuda() ? " --cuda" : ""));
        }
        return m;
    }

    /** ", although there is one for de.kherud:llama X (which this binding cannot load)", or "". */
    private static String otherVersions(Path cacheRoot, String bindingVersion, String suffix) {
        Path natives = cacheRoot.resolve("natives");
        if (!Files.isDirectory(natives)) {
            return "";
        }
        List<String> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(natives)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix))
                    .map(n -> n.substring(0, n.length() - suffix.length()))
                    .filter(v -> !v.equals(bindingVersion)).sorted().forEach(found::add);
        } catch (IOException e) {
            return "";
        }
        return found.isEmpty() ? "" : " (there is one for de.kherud:llama " + String.join(", ", found)
                + ", which de.kherud:llama " + bindingVersion + " cannot load)";
    }
}
