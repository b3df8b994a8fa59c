package dro.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import dro.gguf.GgufFile;
import dro.hub.ResolvedModel;
import dro.testing.TinyGguf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptRegistryTest {

    @TempDir
    Path tmp;

    PromptStore user;
    PromptRegistry registry;

    @BeforeEach
    void stores() {
        user = PromptStore.at(tmp.resolve("user"));
        user.put(OptimizedPrompt.of("mistral-7b-v0.1", "Be a careful assistant.",
                List.of("mistralai/Mistral-7B-v0.1"), List.of("mistral-7b-v0.1"), "test", "2025-01-01T00:00:00Z"));
        user.put(OptimizedPrompt.of("llama2-70b", "Be a seventy-billion assistant.",
                List.of("TheBloke/Llama-2-70B-AWQ"), List.of("llama2-70b"), "test", ""));
        user.put(OptimizedPrompt.of("llama2-7b-chat-hf", "Be a chatty assistant.",
                List.of("meta-llama/Llama-2-7b-chat-hf"), List.of("llama2-7b-chat-hf"), "test", ""));
        registry = PromptRegistry.builder().userStore(tmp.resolve("user")).build();
    }

    String find(String name) {
        return registry.find(name).map(m -> m.prompt().id()).orElse("(none)");
    }

    String detect(Map<String, Object> metadata, String fileName) throws Exception {
        Path f = TinyGguf.metadataOnly(tmp.resolve(fileName), metadata);
        return registry.detect(GgufFile.readMetadata(f)).map(m -> m.prompt().id() + " by " + m.how() + " "
                + m.matchedName()).orElse("(none)");
    }

    @Test
    void namesFindPromptsByModelAliasOrIdIgnoringCaseAndPunctuation() {
        assertEquals("mistral-7b-v0.1", find("mistralai/Mistral-7B-v0.1"));
        assertEquals("mistral-7b-v0.1", find("MISTRAL-7B-V0.1"));
        assertEquals("mistral-7b-v0.1", find("Mistral 7B v0.1"));
        assertEquals("llama2-7b-chat-hf", find("llama2-7b-chat-hf"));
        assertEquals("(none)", find("mistralai/Mistral-7B-Instruct-v0.1"));
        assertEquals("(none)", find("llama2-7b"));
    }

    @Test
    void catalogueNamesFindPromptsFiledUnderAnotherNameOfTheSameModel() {
        // a short name a person types, meaning the catalogue's Mistral-7B-v0.1
        PromptRegistry.Match m = registry.find("mistral-7b").orElseThrow();
        assertEquals("mistral-7b-v0.1", m.prompt().id());
        assertEquals("model name via catalogue entry mistralai/Mistral-7B-v0.1", m.how());
        // filed under the original's name TheBloke/Llama-2-70B-AWQ: the same weights in another format
        assertEquals("llama2-70b", find("meta-llama/Llama-2-70b-hf"));
        assertEquals("llama2-70b", find("llama-2-70b"));
        assertEquals("llama2-7b-chat-hf", find("llama-2-7b-chat"));
    }

    @Test
    void ggufMetadataFindsThePromptOfTheModelAFileHolds() throws Exception {
        assertEquals("mistral-7b-v0.1 by GGUF general.name Mistral-7B-v0.1",
                detect(Map.of("general.name", "Mistral-7B-v0.1"), "a.gguf"));
        // TheBloke's files: owner_name
        assertEquals("mistral-7b-v0.1 by GGUF general.name mistral-7b-v0.1",
                detect(Map.of("general.name", "mistralai_mistral-7b-v0.1"), "b.gguf"));
        // newer files: basename + size label + version
        Map<String, Object> naming = new LinkedHashMap<>();
        naming.put("general.name", "Mistral 7B");
        naming.put("general.basename", "Mistral");
        naming.put("general.size_label", "7B");
        naming.put("general.version", "v0.1");
        assertEquals("mistral-7b-v0.1 by GGUF general.basename Mistral-7B-v0.1", detect(naming, "c.gguf"));
        // a file that names only its base model
        Map<String, Object> base = new LinkedHashMap<>();
        base.put("general.name", "My Merge");
        base.put("general.base_model.count", 1);
        base.put("general.base_model.0.repo_url", "https://huggingface.co/mistralai/Mistral-7B-v0.1");
        assertEquals("mistral-7b-v0.1 by GGUF general.base_model repo_url mistralai/Mistral-7B-v0.1",
                detect(base, "d.gguf"));
        // TheBloke's Llama-2 chat files say only "LLaMA v2": the file name decides
        assertEquals("llama2-7b-chat-hf by GGUF file name llama-2-7b-chat",
                detect(Map.of("general.name", "LLaMA v2"), "llama-2-7b-chat.Q4_K_M.gguf"));
        assertEquals("llama2-70b by GGUF file name llama-2-70b",
                detect(Map.of("general.name", "LLaMA v2"), "llama-2-70b.Q5_K_M.gguf"));
        // a prompt filed under the catalogue id only, found through the catalogue's alias
        user.put(OptimizedPrompt.of("l3", "Llama 3.", List.of("meta-llama/Meta-Llama-3-8B"), List.of(), "", ""));
        assertEquals("l3 by GGUF general.name via catalogue entry meta-llama/Meta-Llama-3-8B Llama-3-8B",
                detect(Map.of("general.name", "Llama-3-8B"), "e.gguf"));
    }

    @Test
    void metadataThatLeavesTheVersionOutDoesNotPickAVersion() throws Exception {
        // "Mistral 7B" is a short name people use for v0.1, but in a file's metadata it may be any version
        Map<String, Object> v3 = new LinkedHashMap<>();
        v3.put("general.name", "Mistral 7B");
        v3.put("general.basename", "Mistral");
        v3.put("general.size_label", "7B");
        v3.put("general.version", "v0.3");
        assertEquals("(none)", detect(v3, "mistral-7b-v0.3.Q4_K_M.gguf"));
        assertEquals("(none)", detect(Map.of("general.name", "Mistral 7B"), "model.gguf"));
    }

    @Test
    void unknownModelsFindNothing() throws Exception {
        assertEquals("(none)", detect(Map.of("general.name", "dro4j-scripted"), "scripted-chat.gguf"));
        assertEquals("(none)", detect(Map.of("general.name", "Mistral-7B-Instruct-v0.2"),
                "mistral-7b-instruct-v0.2.Q4_K_M.gguf"));
        assertEquals("(none)", detect(Map.of(), "model.gguf"));
    }

    @Test
    void lookupTriesTheResolvedNamesBeforeReadingTheGguf() {
        ResolvedModel byName = new ResolvedModel("llama-2-70b", Path.of("/nowhere.gguf"), Optional.of(
                dro.hub.ModelCatalog.DEFAULT.find("llama-2-70b").orElseThrow()), Optional.empty());
        PromptRegistry.Match m = registry.lookup(byName, () -> {
            throw new AssertionError("the GGUF must not be read when the name is enough");
        }).orElseThrow();
        assertEquals("llama2-70b", m.prompt().id());
    }

    @Test
    void theUserStoreOverridesFurtherDirectoriesWhichOverrideShippedPrompts() {
        PromptStore other = PromptStore.at(tmp.resolve("other"));
        other.put(OptimizedPrompt.of("mistral-7b-v0.1", "An older prompt.", List.of("mistralai/Mistral-7B-v0.1"),
                List.of(), "", ""));
        other.put(OptimizedPrompt.of("llama3-8b", "A Llama 3 prompt.", List.of("meta-llama/Meta-Llama-3-8B"),
                List.of(), "", ""));
        PromptRegistry r = PromptRegistry.builder().userStore(tmp.resolve("user")).addDirectory(tmp.resolve("other"))
                .build();

        assertEquals("Be a careful assistant.", r.find("mistral-7b").orElseThrow().prompt().text());
        assertEquals("A Llama 3 prompt.", r.find("llama-3-8b").orElseThrow().prompt().text());
        assertEquals(List.of("llama2-70b", "llama2-7b-chat-hf", "mistral-7b-v0.1", "llama3-8b"),
                r.all().stream().map(OptimizedPrompt::id).toList());
    }

    @Test
    void dro4jShipsNoOptimisedPromptsOfItsOwn() {
        PromptRegistry shippedOnly = PromptRegistry.builder().userStore(tmp.resolve("empty")).build();
        assertEquals(List.of(), shippedOnly.all());
    }

    @Test
    void theOnDiskFormatIsPromptTxtWithOneNewlineAndMetaJson() throws Exception {
        Path dir = tmp.resolve("user/optimized/mistral-7b-v0.1");
        assertEquals("Be a careful assistant.\n", Files.readString(dir.resolve("prompt.txt")));
        assertEquals("{\n  \"id\" : \"mistral-7b-v0.1\",\n  \"models\" : [ \"mistralai/Mistral-7B-v0.1\" ],\n"
                + "  \"aliases\" : [ \"mistral-7b-v0.1\" ],\n  \"source\" : \"test\",\n"
                + "  \"created\" : \"2025-01-01T00:00:00Z\"\n}\n", Files.readString(dir.resolve("meta.json")));

        // written by hand: an editor's newline is not part of the prompt, further whitespace is
        Path mine = Files.createDirectories(tmp.resolve("user/optimized/mine"));
        Files.writeString(mine.resolve("prompt.txt"), "Line one.\n\nLine two. \r\n", StandardCharsets.UTF_8);
        Files.writeString(mine.resolve("meta.json"), "{\"models\": [\"my/Model-1B\"], \"extra\": 1}");
        OptimizedPrompt p = user.get("mine").orElseThrow();
        assertEquals("Line one.\n\nLine two. ", p.text());
        assertEquals(List.of("my/Model-1B"), p.models());
        assertEquals("mine", find("model-1b"));
    }

    @Test
    void brokenEntriesAreSkippedAndBadPromptsRejected() throws Exception {
        Files.createDirectories(tmp.resolve("user/optimized/no-text"));
        Path wrongId = Files.createDirectories(tmp.resolve("user/optimized/wrong-id"));
        Files.writeString(wrongId.resolve("prompt.txt"), "x");
        Files.writeString(wrongId.resolve("meta.json"), "{\"id\": \"other\"}");

        assertEquals(List.of("llama2-70b", "llama2-7b-chat-hf", "mistral-7b-v0.1"),
                user.list().stream().map(OptimizedPrompt::id).toList());
        assertEquals("The meta.json of optimised prompt " + wrongId + " says its id is \"other\", but its directory"
                + " is \"wrong-id\"", assertThrows(InvalidRequestException.class, () -> user.get("wrong-id"))
                .getMessage());
        assertEquals("An optimised prompt's id must be 1 to 100 lower-case letters, digits, '.', '_' or '-'"
                + " (starting with a letter or digit), but was \"../x\"", assertThrows(InvalidRequestException.class,
                        () -> OptimizedPrompt.of("../x", "t", List.of(), List.of(), "", "")).getMessage());
        assertEquals("The optimised prompt \"x\" must not be empty", assertThrows(InvalidRequestException.class,
                () -> OptimizedPrompt.of("x", " \n", List.of(), List.of(), "", "")).getMessage());
        assertEquals("llama-2-7b", OptimizedPrompt.idFrom("Llama 2-7B"));
    }


    @Test
    void anEntryWhoseFilesAreNotUtf8IsRefusedNamingTheFileAndSkippedInTheList() throws Exception {
        Path badMeta = Files.createDirectories(tmp.resolve("user/optimized/bad-meta"));
        Files.writeString(badMeta.resolve("prompt.txt"), "x");
        Files.write(badMeta.resolve("meta.json"), new byte[] {'{', (byte) 0xf0, ' ', '}'});
        Path badText = Files.createDirectories(tmp.resolve("user/optimized/bad-text"));
        Files.write(badText.resolve("prompt.txt"), new byte[] {'x', (byte) 0xc3});

        assertEquals("Optimised prompt file " + badMeta.resolve("meta.json") + " is not UTF-8 text",
                assertThrows(InvalidRequestException.class, () -> user.get("bad-meta")).getMessage());
        assertEquals("Optimised prompt file " + badText.resolve("prompt.txt") + " is not UTF-8 text",
                assertThrows(InvalidRequestException.class, () -> user.get("bad-text")).getMessage());
        assertEquals(List.of("llama2-70b", "llama2-7b-chat-hf", "mistral-7b-v0.1"),
                user.list().stream().map(OptimizedPrompt::id).toList());
    }
    @Test
    void puttingAPromptAgainReplacesIt() {
        user.put(OptimizedPrompt.of("mistral-7b-v0.1", "Newer.", List.of("mistralai/Mistral-7B-v0.1"), List.of(),
                "", ""));
        assertEquals("Newer.", registry.find("mistral-7b").orElseThrow().prompt().text());
        assertTrue(registry.byId("mistral-7b-v0.1").orElseThrow().location().endsWith("mistral-7b-v0.1"));
    }
}
