package dro.compat.internal;

import dro.internal.Json;
import dro.testing.PickleBytes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The seeds of the fuzz targets of {@code dro.compat}, made with the package's own test helpers (see FuzzSeeds). */
public final class CompatFuzzSeeds {

    /** Maps written in key order, so that the seeds come out the same on every run. */
    static final com.fasterxml.jackson.databind.ObjectWriter SORTED = Json.MAPPER.writer()
            .with(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private CompatFuzzSeeds() { }

    public static void write(Path resources) throws IOException {
        byte[] search = OutputPickleTest.twoNodeSearch();
        byte[] bareString = PickleBytes.proto(4).str("Be helpful.").memoize().stop().bytes();
        // [None, True, 7, 2.5, "x", b"ab", (1, 2), {"k": [3]}], an OrderedDict and a set, a list shared twice
        byte[] plain = PickleBytes.proto(4).op(']').mark()
                .op('N').op(0x88).binint1(7).binfloat(2.5).str("x").op('C').raw(2, 'a', 'b')
                .binint1(1).binint1(2).op(0x86).op('}').str("k").op(']').binint1(3).op('a').op('s')
                .global("collections", "OrderedDict").op(')').op('R').mark().str("b").binint1(1).op('u')
                .global("builtins", "set").op(']').mark().binint1(5).binint1(6).op('e').op(0x85).op('R')
                .op(']').memoize().op('h').raw(0).op(0x86)
                .op('e').stop().bytes();

        Path load = dir(resources, "PickleFuzzTest", "anyPickleLoadsAsPlainDataOrFailsWithAnArtifactException");
        Files.write(load.resolve("seed-plain-values"), plain);
        Files.write(load.resolve("seed-two-node-search"), search);
        Files.write(load.resolve("seed-bare-string"), bareString);
        // issue 22: 2^40 paths from a few hundred bytes (refused); before, any walk of it never ended
        Files.write(load.resolve("seed-doubling-lists-40"), SharedReferencesTest.doublingLists(40));
        Path result = dir(resources, "PickleFuzzTest",
                "anyPickleReadsAsAnOriginalResultOrFailsWithAnArtifactException");
        Files.write(result.resolve("seed-two-node-search"), search);
        Files.write(result.resolve("seed-bare-string"), bareString);
        Files.write(result.resolve("seed-doubling-lists-40"), SharedReferencesTest.doublingLists(40));
        Files.write(result.resolve("seed-child-listed-twice"),
                SharedReferencesTest.twoNodes(-1, new int[] {1, 1}, 0, 1, 0));

        MetricsCache cache = MetricsCache.empty()
                .with(MetricsCache.entry("What is 2+2?", Json.MAPPER.readTree("{\"query_analysis\": {\"topic\":"
                        + " \"arithmetic\"}, \"aspects_selection\": {\"reasoning\": \"A short fact.\","
                        + " \"selected_aspects\": [\"Helpfulness\", \"Factuality\"]}}"), "seed"))
                .with(MetricsCache.entry("Caf\u00e9 \"tips\"?\n", Json.MAPPER.readTree("{\"aspects_selection\":"
                        + " {\"selected_aspects\": [\"Clarity\"]}, \"n\": [1.5e-7, 12, null, true]}"), "seed"));
        Files.writeString(dir(resources, "MetricsCacheFuzzTest",
                "anyCacheFileReadsAndWritesBackOrFailsWithAnArtifactException").resolve("seed-two-entries"),
                cache.toJson());

        Path data = dir(resources, "OriginalDataFuzzTest",
                "anyRunDirectoryImportsOrIsReportedOrFailsWithAnInvalidRequestException");
        byte[] mapping = SORTED.writeValueAsBytes(Map.of("org/model-a", "./data/run-a/output.pkl",
                "org/model-b", "./data/missing/output.pkl"));
        byte[] trace = SORTED.writeValueAsBytes(Map.of("level 1", Map.of("Prompt", "Be helpful.",
                "Evaluation of the prompt", Map.of("Safety", Map.of("rationale", "fine", "score", "5")))));
        Files.write(data.resolve("seed-pickle-with-mapping"), runInput(2, mapping, search));
        Files.write(data.resolve("seed-text"), runInput(1, new byte[0],
                "You are a helpful assistant.\n".getBytes(StandardCharsets.UTF_8)));
        Files.write(data.resolve("seed-trace-with-mapping"), runInput(0, mapping, trace));
    }

    private static byte[] runInput(int kind, byte[] mapping, byte[] runFile) {
        if (mapping.length > 255) {
            throw new IllegalArgumentException("mapping of " + mapping.length + " bytes");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(kind);
        out.write(mapping.length);
        out.writeBytes(mapping);
        out.writeBytes(runFile);
        return out.toByteArray();
    }

    private static Path dir(Path resources, String test, String method) throws IOException {
        return Files.createDirectories(resources.resolve("dro/compat/internal/" + test + "Inputs").resolve(method));
    }
}
