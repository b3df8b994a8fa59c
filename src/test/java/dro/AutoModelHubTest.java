package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.compat.internal.OriginalDataImporter;
import dro.hub.HubClient;
import dro.hub.HubException;
import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptRegistry;
import dro.prompt.internal.PromptResources;
import dro.prompt.PromptStore;
import dro.testing.FakeHub;
import dro.testing.SharedData;
import dro.testing.TinyGguf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AutoModel with model names: downloads from a loopback hub, and the optimised prompt found in the registry. */
class AutoModelHubTest {

    @TempDir
    Path tmp;

    FakeHub hub;
    PromptRegistry registry;

    @BeforeEach
    void setUp() {
        hub = FakeHub.start();
        registry = PromptRegistry.builder().userStore(tmp.resolve("prompts")).build();
    }

    @AfterEach
    void tearDown() {
        hub.close();
    }

    /** For a model file: no download settings (a file takes none). */
    AutoModel.Builder fileBuilder() {
        return AutoModel.builder().threads(2).maxModelLen(2048).embeddingCacheDir(tmp.resolve("embeddings"));
    }

    AutoModel.Builder builder() {
        return fileBuilder()
                .hubClient(HubClient.builder().environment(Environment.of(Map.of("HF_ENDPOINT", hub.endpoint())))
                        .build())
                .modelCacheDir(tmp.resolve("models")).promptRegistry(registry);
    }

    Path mistralGguf() throws Exception {
        return TinyGguf.scripted(tmp.resolve("build/mistral-7b-v0.1.Q4_K_M.gguf"), "Hi<END>", null, 2048,
                Map.of("general.name", "Mistral-7B-v0.1"));
    }

    @Test
    void aCatalogueNameIsDownloadedOnceAndFindsThePromptFiledUnderIt() throws Exception {
        hub.add("TheBloke/Mistral-7B-v0.1-GGUF", "mistral-7b-v0.1.Q4_K_M.gguf", Files.readAllBytes(mistralGguf()));
        registry.userStore().put(OptimizedPrompt.of("mine", "Be a careful assistant.",
                List.of("mistralai/Mistral-7B-v0.1"), List.of(), "test", ""));

        try (AutoModel m = builder().model("mistral-7b").build()) {
            assertEquals("Be a careful assistant.", m.systemPrompt());
            assertEquals("Hi", m.generate("Hello?", GenerateOptions.builder().temperature(0).optimizedIcl(false)
                    .build()));
        }
        assertEquals(2, hub.requests().size());

        // offline, the cached file is enough
        try (AutoModel m = builder().model("mistralai/Mistral-7B-v0.1").offline(true).build()) {
            assertEquals("Be a careful assistant.", m.systemPrompt());
        }
        assertEquals(2, hub.requests().size());
    }

    @Test
    void aCatalogueNameWithoutAPromptGetsTheOriginalsPulledOnceFromTheConfiguredSource() throws Exception {
        hub.add("TheBloke/Mistral-7B-v0.1-GGUF", "mistral-7b-v0.1.Q4_K_M.gguf", Files.readAllBytes(mistralGguf()));
        dro.testing.TestRelease release = new dro.testing.TestRelease().run("mistral-7b-v0.1",
                List.of("mistralai/Mistral-7B-v0.1"), "Think first, then answer in plain words.");
        String base = release.serve(hub);
        dro.compat.OriginalPrompts puller = dro.compat.OriginalPrompts.builder()
                .release(release.manifest(tmp.resolve("manifest.json")))
                .hubClient(HubClient.builder().environment(Environment.EMPTY).cacheDir(tmp.resolve("models")).build())
                .build();

        try (AutoModel m = builder().model("mistral-7b").originalPrompts(puller)
                .promptSource(java.net.URI.create(base)).build()) {
            assertEquals("Think first, then answer in plain words.", m.systemPrompt());
            assertEquals(SystemPromptSource.registry("mistral-7b-v0.1"), m.assemble("Hi?", GenerateOptions.builder()
                    .optimizedIcl(false).build()).systemPromptSource());
        }
        assertEquals(List.of("/TheBloke/Mistral-7B-v0.1-GGUF/resolve/main/mistral-7b-v0.1.Q4_K_M.gguf",
                "/cdn/1/mistral-7b-v0.1.Q4_K_M.gguf", "/DRPO/data/mistral-7b-v0.1/output.txt"),
                hub.requests().stream().map(FakeHub.Request::path).toList());
        assertEquals(List.of("mistral-7b-v0.1"), registry.all().stream().map(OptimizedPrompt::id).toList());
    }

    @Test
    void offlineWithoutTheFileFailsBeforeLoadingAnything() {
        HubException e = assertThrows(HubException.class,
                () -> builder().model("llama-3-8b-instruct").offline(true).build());
        assertEquals("Offline mode (offline(true)) forbids downloading"
                + " hf://bartowski/Meta-Llama-3-8B-Instruct-GGUF/Meta-Llama-3-8B-Instruct-Q4_K_M.gguf, and it is not"
                + " in the model cache at " + tmp.resolve("models/bartowski/Meta-Llama-3-8B-Instruct-GGUF/main/"
                + "Meta-Llama-3-8B-Instruct-Q4_K_M.gguf") + ". Download it once without offline mode, or give the path"
                + " of a local GGUF file.", e.getMessage());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void aLocalMistralGgufFindsTheImportedPromptOfTheOriginalByItsMetadata() throws Exception {
        OriginalDataImporter.importInto(registry.userStore(), SharedData.upstream());
        Path local = Files.move(mistralGguf(), tmp.resolve("renamed.gguf")); // only the metadata can tell

        try (AutoModel m = fileBuilder().promptRegistry(registry).model(local).build()) {
            assertEquals(Files.readString(SharedData.upstream().resolve("mistral-7b-v0.1/output.txt"),
                    StandardCharsets.UTF_8), m.systemPrompt());
        }
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void anExplicitPromptStillWinsAndAnUnknownModelGetsTheBaseAlignmentPrompt() throws Exception {
        registry.userStore().put(OptimizedPrompt.of("mine", "From the registry.", List.of("Mistral-7B-v0.1"),
                List.of(), "", ""));
        Path local = mistralGguf();

        try (AutoModel m = fileBuilder().model(local).optimizedPrompt("Given explicitly.").build()) {
            assertEquals("Given explicitly.", m.systemPrompt());
        }
        try (AutoModel m = fileBuilder().model(local).promptRegistry(PromptRegistry.builder()
                .userStore(tmp.resolve("empty")).build()).build()) {
            assertEquals(PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT), m.systemPrompt());
        }
        assertTrue(PromptStore.at(tmp.resolve("empty")).list().isEmpty());
    }

    @Test
    void anHfNameIsDownloadedAndAPathIsNeverMistakenForAName() throws Exception {
        hub.add("someone/tiny", "m.gguf", Files.readAllBytes(mistralGguf()));

        try (AutoModel m = builder().model("hf://someone/tiny/m.gguf").build()) {
            assertEquals("Hi", m.generate("Hello?", GenerateOptions.builder().temperature(0).optimizedIcl(false)
                    .build()));
        }

        dro.gguf.GgufException e = assertThrows(dro.gguf.GgufException.class,
                () -> fileBuilder().model(Path.of("mistral-7b")).build());
        assertEquals("Model file not found: " + Path.of("mistral-7b").toAbsolutePath(), e.getMessage());
    }
}
