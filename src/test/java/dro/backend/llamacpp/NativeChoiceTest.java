package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import dro.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which native library a model loads: {@link NativeChoice}'s rules, on cache directories this test lays out. */
class NativeChoiceTest {

    private static final String LIB = System.mapLibraryName("jllama");

    @TempDir
    Path cache;

    private Path install(String dirName, NativeManifest manifest) throws IOException {
        Path dir = Files.createDirectories(cache.resolve("natives").resolve(dirName));
        Files.writeString(dir.resolve(LIB), "a library");
        if (manifest != null) {
            manifest.write(dir);
        }
        return dir;
    }

    private static NativeManifest manifest(String binding, boolean cuda) {
        return new NativeManifest(binding, "b4916", cuda, cuda ? "86" : null, "2026-11-29T00:00:00Z",
                "https://github.com/kherud/java-llama.cpp v" + binding);
    }

    @Test
    void withoutGpusAndWithoutABuildTheBundledLibraryIsLoaded() {
        NativeChoice c = NativeChoice.choose(null, 0, null, cache, "4.2.0");
        assertEquals(new NativeChoice(NativeChoice.Origin.BUNDLED, null, null), c);
        assertFalse(c.mayUseGpus());
    }

    @Test
    void withoutGpusTheHostBuildIsPreferredToTheBundledLibrary() throws IOException {
        Path cpu = install("4.2.0-cpu", manifest("4.2.0", false));
        install("4.2.0-cuda", manifest("4.2.0", true));
        NativeChoice c = NativeChoice.choose(null, 0, null, cache, "4.2.0");
        assertEquals(new NativeChoice(NativeChoice.Origin.CACHED_CPU, cpu, manifest("4.2.0", false)), c);
        assertFalse(c.mayUseGpus());
    }

    @Test
    void withGpusTheCudaBuildIsLoaded() throws IOException {
        install("4.2.0-cpu", manifest("4.2.0", false));
        Path cuda = install("4.2.0-cuda", manifest("4.2.0", true));
        NativeChoice c = NativeChoice.choose(null, 1, null, cache, "4.2.0");
        assertEquals(new NativeChoice(NativeChoice.Origin.CACHED_CUDA, cuda, manifest("4.2.0", true)), c);
        assertTrue(c.mayUseGpus());
    }

    @Test
    void withGpusAndNoCudaBuildTheErrorSaysWhichCommandBuildsOne() throws IOException {
        install("4.2.0-cpu", manifest("4.2.0", false));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> NativeChoice.choose(null, 2, null, cache, "4.2.0"));
        assertEquals("numGpus 2 asks for GPUs, but the llama.cpp library bundled with de.kherud:llama is CPU-only and"
                + " there is no CUDA build in " + cache.resolve("natives/4.2.0-cuda") + ": run bin/dro native build"
                + " --cuda (README \"Scaling\"), or set nativeLibraryPath, or set numGpus to 0", e.getMessage());
    }

    @Test
    void aCudaBuildForAnotherBindingVersionIsNamedButNotUsed() throws IOException {
        install("4.1.0-cuda", manifest("4.1.0", true));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> NativeChoice.choose(null, 1, null, cache, "4.2.0"));
        assertEquals("numGpus 1 asks for GPUs, but the llama.cpp library bundled with de.kherud:llama is CPU-only and"
                + " there is no CUDA build in " + cache.resolve("natives/4.2.0-cuda") + " (there is one for"
                + " de.kherud:llama 4.1.0, which de.kherud:llama 4.2.0 cannot load): run bin/dro native build --cuda"
                + " (README \"Scaling\"), or set nativeLibraryPath, or set numGpus to 0", e.getMessage());
    }

    @Test
    void aLibraryWhoseManifestNamesAnotherBindingVersionIsRefusedNamingBoth() throws IOException {
        Path cuda = install("4.2.0-cuda", manifest("4.1.0", true));
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> NativeChoice.choose(null, 1, null, cache, "4.2.0"));
        assertEquals("The llama.cpp library in " + cuda + " was built for de.kherud:llama 4.1.0, but dro4j uses"
                + " de.kherud:llama 4.2.0: their native interfaces differ. Rebuild it: bin/dro native build --cuda",
                e.getMessage());
        Path old = install("4.1.0-cpu", manifest("4.1.0", false));
        ModelLoadException e2 = assertThrows(ModelLoadException.class,
                () -> NativeChoice.choose(old, 0, null, cache, "4.2.0"));
        assertEquals("The llama.cpp library in " + old + " was built for de.kherud:llama 4.1.0, but dro4j uses"
                + " de.kherud:llama 4.2.0: their native interfaces differ. Rebuild it: bin/dro native build",
                e2.getMessage());
    }

    @Test
    void anExplicitNativeLibraryPathWinsOverEveryCachedBuild() throws IOException {
        install("4.2.0-cpu", manifest("4.2.0", false));
        install("4.2.0-cuda", manifest("4.2.0", true));
        Path mine = Files.createDirectories(cache.resolve("mine"));
        Files.writeString(mine.resolve(LIB), "my library");
        for (int gpus : new int[] {0, 1}) {
            NativeChoice c = NativeChoice.choose(mine, gpus, null, cache, "4.2.0");
            assertEquals(new NativeChoice(NativeChoice.Origin.EXPLICIT, mine, null), c);
            assertTrue(c.mayUseGpus(), "dro4j cannot tell what a library without a manifest can do");
        }
        assertEquals(mine, NativeChoice.choose(mine.resolve(LIB), 0, null, cache, "4.2.0").directory(),
                "the library file itself names its directory");
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> NativeChoice.choose(cache.resolve("nowhere"), 0, null, cache, "4.2.0"));
        assertEquals("nativeLibraryPath " + cache.resolve("nowhere") + " does not contain " + LIB + " (build one"
                + " with: bin/dro native build [--cuda]; README \"Scaling\")", e.getMessage());
    }

    @Test
    void theBindingsLibPathPropertyComesAfterNativeLibraryPathAndBeforeTheCache() throws IOException {
        install("4.2.0-cuda", manifest("4.2.0", true));
        Path prop = Files.createDirectories(cache.resolve("prop"));
        assertEquals(new NativeChoice(NativeChoice.Origin.SYSTEM_PROPERTY, prop, null),
                NativeChoice.choose(null, 1, prop.toString(), cache, "4.2.0"));
    }

    @Test
    void aJvmThatLoadedACpuLibraryRefusesAGpuModelNamingBothLibraries() throws IOException {
        Path bundled = cache.resolve("natives/jllama-0123");
        NativeChoice loaded = new NativeChoice(NativeChoice.Origin.BUNDLED, bundled, null);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> NativeChoice.checkReusable(loaded, null, 1));
        assertEquals("numGpus 1 asks for GPUs, but this JVM already loaded a CPU-only llama.cpp library from "
                + bundled + ", the CPU library bundled with de.kherud:llama, and a JVM can load only one: load the GPU"
                + " model first (the CUDA build of bin/dro native build --cuda also runs models on the CPU), or use"
                + " another JVM",
                e.getMessage());
        assertDoesNotThrow(() -> NativeChoice.checkReusable(loaded, null, 0));
        Path other = cache.resolve("other");
        ModelLoadException e2 = assertThrows(ModelLoadException.class,
                () -> NativeChoice.checkReusable(loaded, other, 0));
        assertEquals("nativeLibraryPath " + other + " cannot be used: this JVM already loaded the llama.cpp library"
                + " from " + bundled + ", the CPU library bundled with de.kherud:llama, and a JVM can load only one;"
                + " use the same library for every model, or another JVM", e2.getMessage());
        assertDoesNotThrow(() -> NativeChoice.checkReusable(loaded, bundled.resolve(LIB), 0));
    }

    @Test
    void aJvmThatLoadedTheCudaBuildServesCpuAndGpuModels() throws IOException {
        Path cuda = install("4.2.0-cuda", manifest("4.2.0", true));
        NativeChoice loaded = NativeChoice.choose(null, 1, null, cache, "4.2.0");
        assertDoesNotThrow(() -> NativeChoice.checkReusable(loaded, null, 0));
        assertDoesNotThrow(() -> NativeChoice.checkReusable(loaded, null, 2));
        assertEquals(cuda, loaded.directory());
    }
}
