package dro.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCatalogTest {

    final ModelCatalog catalog = ModelCatalog.DEFAULT;

    String id(String name) {
        return catalog.find(name).map(CatalogEntry::id).orElse("(none)");
    }

    @Test
    void everyModelNameOfTheOriginalHasItsWellKnownGgufFile() {
        // the names of the original's model_mapping.json (gpt-3.5-turbo is an OpenAI model, not a download)
        Map<String, String> expected = Map.of(
                "mistralai/Mistral-7B-v0.1", "hf://TheBloke/Mistral-7B-v0.1-GGUF/mistral-7b-v0.1.Q4_K_M.gguf",
                "mistralai/Mistral-7B-Instruct-v0.1",
                "hf://TheBloke/Mistral-7B-Instruct-v0.1-GGUF/mistral-7b-instruct-v0.1.Q4_K_M.gguf",
                "meta-llama/Llama-2-7b-hf", "hf://TheBloke/Llama-2-7B-GGUF/llama-2-7b.Q4_K_M.gguf",
                "meta-llama/Llama-2-7b-chat-hf", "hf://TheBloke/Llama-2-7B-Chat-GGUF/llama-2-7b-chat.Q4_K_M.gguf",
                "TheBloke/Llama-2-70B-AWQ", "hf://TheBloke/Llama-2-70B-GGUF/llama-2-70b.Q4_K_M.gguf",
                "TheBloke/Llama-2-70B-Chat-AWQ", "hf://TheBloke/Llama-2-70B-Chat-GGUF/llama-2-70b-chat.Q4_K_M.gguf",
                "meta-llama/Meta-Llama-3-8B", "hf://QuantFactory/Meta-Llama-3-8B-GGUF/Meta-Llama-3-8B.Q4_K_M.gguf",
                "meta-llama/Meta-Llama-3-8B-Instruct",
                "hf://bartowski/Meta-Llama-3-8B-Instruct-GGUF/Meta-Llama-3-8B-Instruct-Q4_K_M.gguf");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertEquals(e.getValue(), catalog.find(e.getKey()).orElseThrow().file(null).toString(), e.getKey());
        }
        assertEquals(8, catalog.entries().size());
    }

    @Test
    void namesMatchIgnoringCaseOwnerAndPunctuation() {
        assertEquals("mistralai/Mistral-7B-v0.1", id("mistral-7b"));
        assertEquals("mistralai/Mistral-7B-v0.1", id("MISTRAL-7B-V0.1"));
        assertEquals("mistralai/Mistral-7B-v0.1", id("Mistral 7B v0.1"));
        assertEquals("mistralai/Mistral-7B-Instruct-v0.1", id("mistral-7b-instruct"));
        assertEquals("mistralai/Mistral-7B-Instruct-v0.1", id("mistral-7b-instruct-v0.1"));
        assertEquals("meta-llama/Llama-2-7b-hf", id("llama2-7b"));
        assertEquals("meta-llama/Llama-2-7b-chat-hf", id("llama2-7b-chat-hf"));
        assertEquals("meta-llama/Llama-2-7b-chat-hf", id("Llama-2-7B-Chat"));
        assertEquals("meta-llama/Llama-2-70b-hf", id("llama2-70b"));
        assertEquals("meta-llama/Llama-2-70b-chat-hf", id("llama2-70b-chat"));
        assertEquals("meta-llama/Meta-Llama-3-8B", id("llama3-8b"));
        assertEquals("meta-llama/Meta-Llama-3-8B-Instruct", id("Meta-Llama-3-8B-Instruct"));
        assertEquals("meta-llama/Meta-Llama-3-8B-Instruct", id("llama-3-8b-instruct"));
    }

    @Test
    void shortNamesAreForPeopleNotForMetadata() {
        assertEquals("mistralai/Mistral-7B-v0.1", catalog.find("Mistral 7B").orElseThrow().id());
        assertTrue(catalog.findExact("Mistral 7B").isEmpty());
        assertEquals("mistralai/Mistral-7B-v0.1", catalog.findExact("mistral-7b-v0.1").orElseThrow().id());
        assertEquals("meta-llama/Llama-2-70b-hf", catalog.findExact("TheBloke/Llama-2-70B-GGUF").orElseThrow().id());
        assertEquals(List.of("mistralai/Mistral-7B-v0.1", "mistral-7b"),
                catalog.find("mistral-7b").orElseThrow().names());
    }

    @Test
    void otherNamesMatchNothing() {
        for (String name : new String[] {"mistral", "llama-2", "gpt-3.5-turbo", "mistral-7b-v0.2", "llama-2-13b",
                "", "model.gguf"}) {
            assertEquals("(none)", id(name), name);
        }
    }

    @Test
    void quantisationsAreSpelledAsTheFilesAre() {
        CatalogEntry e = catalog.find("llama-3-8b-instruct").orElseThrow();
        assertEquals("Meta-Llama-3-8B-Instruct-Q8_0.gguf", e.file("q8_0").path());
        assertEquals("Meta-Llama-3-8B-Instruct-IQ4_XS.gguf", e.file("iq4_xs").path());
        assertEquals("Meta-Llama-3-8B-Instruct-f16.gguf", e.file("f16").path());
        assertThrows(InvalidRequestException.class, () -> e.file("Q4_K_M.gguf/../x"));
    }

    @Test
    void aCatalogueWithTwoEntriesOfOneNameIsRejected() {
        CatalogEntry a = new CatalogEntry("org/Model-7B", List.of(), List.of("m7"), "o/r", "a.{quant}.gguf", false);
        CatalogEntry b = new CatalogEntry("other/model-7b-hf", List.of(), List.of(), "o/s", "b.{quant}.gguf", false);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> new ModelCatalog(List.of(a, b)));
        assertEquals("Catalogue name \"other/model-7b-hf\" of other/model-7b-hf is also a name of org/Model-7B",
                e.getMessage());
        assertTrue(new ModelCatalog(List.of(a)).find("M7").isPresent());
    }
}
