package dro.backend.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import de.kherud.llama.LlamaModel;
import dro.testing.ChildJvm;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code AutoModel} finds its native library by itself, with the real llama.cpp library on a tiny model, each case in
 * a fresh JVM ({@link NativeSelectionProbe}) with a cache this test lays out.
 */
@EnabledOnOs(OS.LINUX)
@EnabledIfSystemProperty(named = "os.arch", matches = "amd64|x86_64")
class NativeSelectionTest {

    @TempDir
    Path tmp;

    private String probe(Path cache, String... gpus) throws IOException, InterruptedException {
        return run(cache, gpus).out().strip();
    }

    private ChildJvm.Result run(Path cache, String... gpus) throws IOException, InterruptedException {
        String[] args = new String[gpus.length + 1];
        args[0] = cache.toString();
        System.arraycopy(gpus, 0, args, 1, gpus.length);
        ChildJvm.Result r = ChildJvm.run(NativeSelectionProbe.class, Map.of(), tmp, args);
        assertEquals(0, r.code(), r.err());
        return r;
    }

    @Test
    void aHostBuildInTheCacheIsLoadedForACpuModel() throws Exception {
        Path cache = tmp.resolve("cache");
        Path cpu = Files.createDirectories(cache.resolve("natives/4.2.0-cpu"));
        try (InputStream in = LlamaModel.class.getResourceAsStream("/de/kherud/llama/Linux/x86_64/libjllama.so")) {
            Files.copy(in, cpu.resolve("libjllama.so")); // stands in for a host build of dro native build
        }
        new NativeManifest("4.2.0", "b4916", false, null, "2026-11-29T00:00:00Z", "test").write(cpu);
        ChildJvm.Result r = run(cache, "0");
        assertEquals("numGpus 0: CACHED_CPU " + cpu + "; loaded a model", r.out().strip());
        assertTrue(r.err().lines().anyMatch(l -> l.endsWith("llama.cpp library loaded from " + cpu + ", dro4j's host"
                + " build (dro native build): CPU build for de.kherud:llama 4.2.0, llama.cpp b4916, built"
                + " 2026-11-29T00:00:00Z from test")), r.err());
    }

    @Test
    void withoutABuildACpuModelLoadsTheBundledLibraryAndAGpuModelIsRefusedNamingBothLibraries() throws Exception {
        Path cache = tmp.resolve("cache");
        String out = probe(cache, "0", "1");
        String[] lines = out.split("\n");
        assertEquals(2, lines.length, out);
        String bundled = lines[0].substring("numGpus 0: BUNDLED ".length(), lines[0].indexOf("; loaded"));
        assertEquals("numGpus 0: BUNDLED " + bundled + "; loaded a model", lines[0]);
        assertEquals(cache.resolve("natives"), Path.of(bundled).getParent());
        assertEquals("numGpus 1: refused: numGpus 1 asks for GPUs, but this JVM already loaded a CPU-only llama.cpp"
                + " library from " + bundled + ", the CPU library bundled with de.kherud:llama, and a JVM can load only"
                + " one: load the GPU model first (the CUDA build of bin/dro native build --cuda also runs models on"
                + " the CPU), or use another JVM", lines[1]);
    }

    @Test
    void aGpuModelWithoutACudaBuildSaysWhichCommandBuildsOne() throws Exception {
        Path cache = tmp.resolve("cache");
        assertEquals("numGpus 1: refused: numGpus 1 asks for GPUs, but the llama.cpp library bundled with"
                + " de.kherud:llama is CPU-only and there is no CUDA build in " + cache.resolve("natives/4.2.0-cuda")
                + ": run bin/dro native build --cuda (README \"Scaling\"), or set nativeLibraryPath, or set numGpus"
                + " to 0", probe(cache, "1"));
    }
}
