package dro.compat.internal;

import dro.compat.ArtifactException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptRegistry;
import dro.prompt.PromptStore;
import dro.testing.PickleBytes;
import dro.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OriginalDataImporterTest {

    @TempDir
    Path tmp;

    @Test
    void importsEveryRunOfTheOriginalsDataWithTheModelsItsMappingGives() throws Exception {
        Path upstream = SharedData.upstream();
        PromptStore store = PromptStore.at(tmp.resolve("store"));

        OriginalDataImporter.Report r = OriginalDataImporter.importInto(store, upstream);

        Map<String, List<String>> models = new TreeMap<>();
        for (OriginalDataImporter.Imported i : r.imported()) {
            models.put(i.prompt().id(), i.prompt().models());
            assertEquals(Files.readString(i.from().resolveSibling("output.txt"), StandardCharsets.UTF_8),
                    i.prompt().text(), i.prompt().id());
            assertEquals(List.of(i.prompt().id()), i.prompt().aliases());
            assertEquals("output.pkl", i.from().getFileName().toString());
        }
        assertEquals(Map.of(
                "llama2-70b", List.of("TheBloke/Llama-2-70B-AWQ"),
                "llama2-70b-chat", List.of("TheBloke/Llama-2-70B-Chat-AWQ"),
                "llama2-7b", List.of("meta-llama/Llama-2-7b-hf"),
                "llama2-7b-chat-hf", List.of("meta-llama/Llama-2-7b-chat-hf"),
                "llama3-8b", List.of("meta-llama/Meta-Llama-3-8B"),
                "mistral-7b-instruct-v0.1", List.of("mistralai/Mistral-7B-Instruct-v0.1"),
                "mistral-7b-v0.1", List.of("mistralai/Mistral-7B-v0.1")), models);
        assertEquals(List.of(
                new OriginalDataImporter.Skipped("gpt-3.5-turbo", "\"./data/gpt-3.5-turbo/output.pkl\": no such file in "
                        + upstream, false),
                new OriginalDataImporter.Skipped("gpt-3.5-turbo-0125", "\"./data/gpt-3.5-turbo/output.pkl\": no such"
                        + " file in " + upstream, false),
                new OriginalDataImporter.Skipped("meta-llama/Meta-Llama-3-8B-Instruct",
                        "\"./data/llama3-8b-instruct/output.pkl\": no such file in " + upstream, false)), r.skipped());
        assertFalse(r.hasErrors());
        assertEquals(7, store.list().size());

        // the model the original never found its prompt for (the stray space) finds it here
        PromptRegistry registry = PromptRegistry.builder().userStore(tmp.resolve("store")).build();
        assertEquals(Files.readString(upstream.resolve("llama2-7b/output.txt")),
                registry.find("meta-llama/Llama-2-7b-hf").orElseThrow().prompt().text());
    }

    @Test
    void aHostilePickleIsReportedAndTheOtherRunsAreImported() throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data.resolve("evil"));
        Files.write(data.resolve("evil/output.pkl"), PickleBytes.proto(4).stackGlobal("posix", "system")
                .str("rm -rf ~").op(0x85).op('R').stop().bytes());
        Files.createDirectories(data.resolve("good"));
        Files.writeString(data.resolve("good/output.txt"), "Be good.");
        PromptStore store = PromptStore.at(tmp.resolve("store"));

        OriginalDataImporter.Report r = OriginalDataImporter.importInto(store, data);

        assertEquals(List.of("good"), r.imported().stream().map(i -> i.prompt().id()).toList());
        assertEquals(List.of(new OriginalDataImporter.Skipped("evil", "Pickle " + data.resolve("evil/output.pkl")
                + " refers to posix.system (byte 17), which is not allowed: dro4j reads pickles as plain data and"
                + " accepts only the original DRO's result classes and basic containers", true)), r.skipped());
        assertTrue(r.hasErrors());
        assertEquals(List.of("good"), store.list().stream().map(OptimizedPrompt::id).toList());
    }

    @Test
    void takesBareStringPicklesTracesAndTheRepositoryRoot() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("repo/data"));
        Files.createDirectories(data.resolve("bare"));
        Files.write(data.resolve("bare/output.pkl"), PickleBytes.proto(4).str("A bare prompt.").memoize().stop()
                .bytes());
        Files.createDirectories(data.resolve("traced"));
        Files.writeString(data.resolve("traced/output.json"), "{\"level 1\": {\"Prompt\": \"First.\","
                + " \"Evaluation of the prompt\": {}}, \"level 2\": {\"Prompt\": \"Second.\","
                + " \"Evaluation of the prompt\": {\"Safety\": {\"rationale\": \"ok\", \"score\": \"5\"}}}}");
        Files.writeString(data.resolve("model_mapping.json"), "{\"org/Bare-1B\": \"./data/bare/output.pkl\"}");

        OriginalDataImporter.Report r = OriginalDataImporter.importInto(PromptStore.at(tmp.resolve("s")),
                tmp.resolve("repo"));

        assertEquals(data, r.directory());
        assertEquals(List.of("bare:A bare prompt.:[org/Bare-1B]", "traced:Second.:[]"), r.imported().stream()
                .map(i -> i.prompt().id() + ":" + i.prompt().text() + ":" + i.prompt().models()).toList());
    }

    @Test
    void aMappingThatPointsOutsideItsDirectoryIsRejected() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(data.resolve("model_mapping.json"), "{\"m\": \"./data/../../etc/passwd\"}");

        ArtifactException e = assertThrows(ArtifactException.class,
                () -> OriginalDataImporter.importInto(PromptStore.at(tmp.resolve("s")), data));

        assertEquals("Model mapping " + data.resolve("model_mapping.json") + ": the entry \"m\" points outside the"
                + " mapping's directory: \"./data/../../etc/passwd\"", e.getMessage());
        for (String bad : new String[] {"/etc/passwd", "../x/output.pkl", "C:\\\\x\\\\output.pkl"}) {
            Files.writeString(data.resolve("model_mapping.json"), "{\"m\": \"" + bad + "\"}");
            assertThrows(ArtifactException.class, () -> ModelMapping.read(data.resolve("model_mapping.json")), bad);
        }
    }

    @Test
    void aSymbolicLinkOutOfTheDirectoryIsRejected() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("output.pkl"), "x");
        Path data = Files.createDirectories(tmp.resolve("data"));
        Files.createSymbolicLink(data.resolve("link"), outside);
        Files.writeString(data.resolve("model_mapping.json"), "{\"m\": \"./data/link/output.pkl\"}");

        ArtifactException e = assertThrows(ArtifactException.class,
                () -> ModelMapping.read(data.resolve("model_mapping.json")));
        assertEquals("Model mapping " + data.resolve("model_mapping.json") + ": the entry \"m\" points outside the"
                + " mapping's directory: \"./data/link/output.pkl\"", e.getMessage());
    }
}
