package dro.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.InvalidRequestException;
import dro.hub.ModelCatalog;
import dro.testing.FakeHub;
import dro.testing.SharedData;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest dro4j ships: what it pins, and how model names find its runs. */
class OriginalReleaseTest {

    static final String COMMIT = "c47e29077f2f7ec06fb2743ed7d8446dfec27bcd";

    @TempDir
    Path tmp;

    @Test
    void theShippedManifestPinsTheOriginalRepositoryAtItsCommit() {
        OriginalRelease r = OriginalRelease.shipped();

        assertEquals("Singla17/DRPO", r.repository());
        assertEquals(COMMIT, r.commit());
        assertEquals("Apache-2.0", r.license());
        assertEquals(URI.create("https://raw.githubusercontent.com/Singla17/DRPO/" + COMMIT), r.baseUrl());
        assertEquals(List.of("gpt-3.5-turbo", "llama2-70b-chat", "llama2-70b", "llama2-7b-chat-hf", "llama2-7b",
                "llama3-8b-instruct", "llama3-8b", "mistral-7b-instruct-v0.1", "mistral-7b-v0.1"),
                r.runs().stream().map(OriginalRelease.Run::name).toList());
        for (OriginalRelease.Run run : r.runs()) {
            assertEquals(List.of("data/" + run.name() + "/output.pkl", "data/" + run.name() + "/output.txt",
                    "data/" + run.name() + "/output.json"),
                    run.files().stream().map(OriginalRelease.PinnedPath::path).toList());
        }
        assertEquals("Singla17/DRPO (https://github.com/Singla17/DRPO) at commit " + COMMIT + ", Apache-2.0",
                r.attribution());
    }

    @Test
    void everyPinnedHashAndSizeIsThatOfTheOriginalsFile() throws Exception {
        Path upstream = SharedData.upstream();
        OriginalRelease r = OriginalRelease.shipped();
        int checked = 0;
        for (OriginalRelease.Run run : r.runs()) {
            for (OriginalRelease.PinnedPath f : run.files()) {
                Path real = upstream.resolve(run.name()).resolve(f.fileName());
                if (Files.isRegularFile(real)) { // the shared copy lacks two runs
                    byte[] b = Files.readAllBytes(real);
                    assertEquals(FakeHub.sha256(b), f.sha256(), f.path());
                    assertEquals(b.length, f.size(), f.path());
                    checked++;
                }
            }
        }
        assertEquals(21, checked, "seven runs of three files are in the shared copy");
        byte[] mapping = Files.readAllBytes(upstream.resolve("model_mapping.json"));
        assertEquals(FakeHub.sha256(mapping), r.mapping().sha256());
        assertEquals(mapping.length, r.mapping().size());
    }

    @Test
    void eachRunServesTheModelsTheOriginalsMappingGivesItWithTheStraySpaceRepaired() throws Exception {
        JsonNode mapping = new ObjectMapper().readTree(SharedData.upstream().resolve("model_mapping.json").toFile());
        Map<String, List<String>> expected = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = mapping.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String dir = e.getValue().asText().split("/")[2].replace(" ", ""); // ./data/<run>/output.pkl
            expected.computeIfAbsent(dir, k -> new ArrayList<>()).add(e.getKey().strip());
        }
        OriginalRelease r = OriginalRelease.shipped();
        for (OriginalRelease.Run run : r.runs()) {
            assertEquals(expected.get(run.name()), run.models(), run.name());
        }
        assertEquals(List.of("meta-llama/Llama-2-7b-hf"), r.run("llama2-7b").orElseThrow().models());
    }

    @Test
    void modelNamesRunNamesAndCatalogueNamesFindTheirRun() {
        OriginalRelease r = OriginalRelease.shipped();
        ModelCatalog c = ModelCatalog.DEFAULT;

        assertEquals("mistral-7b-v0.1", r.runFor("mistral-7b", c).orElseThrow().name());
        assertEquals("mistral-7b-v0.1", r.runFor("mistralai/Mistral-7B-v0.1", c).orElseThrow().name());
        assertEquals("mistral-7b-instruct-v0.1", r.runFor("mistral-7b-instruct", c).orElseThrow().name());
        assertEquals("llama2-7b", r.runFor("meta-llama/Llama-2-7b-hf", c).orElseThrow().name());
        assertEquals("llama2-7b-chat-hf", r.runFor("meta-llama/Llama-2-7b-chat-hf", c).orElseThrow().name());
        assertEquals("llama2-70b", r.runFor("TheBloke/Llama-2-70B-AWQ", c).orElseThrow().name());
        assertEquals("llama3-8b-instruct", r.runFor("meta-llama/Meta-Llama-3-8B-Instruct", c).orElseThrow().name());
        assertEquals("gpt-3.5-turbo", r.runFor("gpt-3.5-turbo-0125", c).orElseThrow().name());
        assertEquals("gpt-3.5-turbo", r.runFor("GPT-3.5-Turbo", c).orElseThrow().name());
        assertTrue(r.runFor("gpt-4o-mini", c).isEmpty());
        assertTrue(r.runFor("test-model", c).isEmpty());
    }

    @Test
    void anUnknownModelIsAnErrorListingWhatTheOriginalReleased() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> OriginalRelease.shipped().runsFor(List.of("mistral-7b", "gpt-4o"), ModelCatalog.DEFAULT));
        assertEquals("The original released no optimised prompt for \"gpt-4o\"; it released: gpt-3.5-turbo"
                + " (gpt-3.5-turbo, gpt-3.5-turbo-0125); llama2-70b-chat (TheBloke/Llama-2-70B-Chat-AWQ); llama2-70b"
                + " (TheBloke/Llama-2-70B-AWQ); llama2-7b-chat-hf (meta-llama/Llama-2-7b-chat-hf); llama2-7b"
                + " (meta-llama/Llama-2-7b-hf); llama3-8b-instruct (meta-llama/Meta-Llama-3-8B-Instruct); llama3-8b"
                + " (meta-llama/Meta-Llama-3-8B); mistral-7b-instruct-v0.1 (mistralai/Mistral-7B-Instruct-v0.1);"
                + " mistral-7b-v0.1 (mistralai/Mistral-7B-v0.1)", e.getMessage());
    }

    @Test
    void aManifestWithABadHashIsAnErrorNamingIt() throws Exception {
        Path f = tmp.resolve("m.json");
        Files.writeString(f, "{\"repository\": \"a/b\", \"repositoryUrl\": \"https://github.com/a/b\", \"commit\": \"c\","
                + " \"license\": \"MIT\", \"baseUrl\": \"http://127.0.0.1:9/\", \"runs\": [{\"name\": \"x\", \"models\":"
                + " [], \"files\": [{\"path\": \"data/x/output.txt\", \"sha256\": \"abc\", \"size\": 3}]}]}");
        ArtifactException e = assertThrows(ArtifactException.class, () -> OriginalRelease.read(f));
        assertEquals("Release manifest " + f.toAbsolutePath() + ": the SHA-256 of data/x/output.txt must be 64"
                + " lower-case hex digits, but was \"abc\"", e.getMessage());
    }
}
