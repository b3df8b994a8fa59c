package dro.cli;

import static dro.cli.CliRun.dro;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.AssembledPrompt;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.icl.IclOrder;
import dro.testing.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GenerateCommandTest {

    static String model() {
        return TestModels.scriptedChat().toString();
    }

    @Test
    void printsOnlyTheAnswer() {
        CliRun r = dro("generate", "--model", model(), "--max-model-len", "12288", "--temperature", "0", "--num-icl", "1",
                "How are you?");
        assertEquals(0, r.code(), r.err());
        assertEquals("Hi" + System.lineSeparator(), r.out());
    }

    @Test
    void dryRunPrintsTheAssembledPromptAsJsonWithoutGenerating() throws Exception {
        CliRun r = dro("generate", "--model", model(), "--max-model-len", "12288", "--num-icl", "2", "--dry-run",
                "How do I remove duplicates from a Python list?");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());

        AssembledPrompt expected;
        try (AutoModel m = AutoModel.builder().model(Path.of(model())).maxModelLen(12288).build()) {
            expected = m.assemble("How do I remove duplicates from a Python list?",
                    GenerateOptions.builder().numOptimizedIcl(2).build());
        }
        assertEquals(4, json.size());
        assertEquals(expected.system(), json.get("system").asText());
        assertEquals("base", json.get("systemPromptSource").get("kind").asText(), "a file without a known prompt");
        assertEquals("base alignment prompt", json.get("systemPromptSource").get("detail").asText());
        assertEquals(expected.user(), json.get("user").asText());
        assertEquals(expected.prompt(), json.get("prompt").asText());
    }

    @Test
    void iclOrderFileGivesTheExamplesInFileOrder() throws Exception {
        String q = "Explain quantum entanglement to a high-school student.";
        CliRun r = dro("generate", "--model", model(), "--max-model-len", "12288", "--num-icl", "3", "--icl-order",
                "FILE", "--dry-run", q);
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        try (AutoModel m = AutoModel.builder().model(Path.of(model())).maxModelLen(12288).build()) {
            GenerateOptions file = GenerateOptions.builder().iclOrder(IclOrder.FILE).build();
            assertEquals(m.assemble(q, file).system(), json.get("system").asText());
            assertNotEquals(m.assemble(q, GenerateOptions.DEFAULTS).system(), json.get("system").asText(),
                    "the examples retrieved for this query are not in file order when most similar first");
        }
        CliRun bad = dro("generate", "--model", model(), "--icl-order", "random", q);
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--icl-order must be similarity or file, but was \"random\""), bad.err());
    }

    @Test
    void optionsMirrorGenerate() {
        CliRun r = dro("generate", "--model", model(), "--max-model-len", "12288", "--temperature", "0", "--no-icl",
                "--system-prompt", "Be terse.", "--no-stop", "--max-new-tokens", "4", "Count.");
        assertEquals(0, r.code(), r.err());
        assertEquals("Hi<E" + System.lineSeparator(), r.out());
    }

    @Test
    void badValuesFailWithAMessageNamingThem() {
        CliRun r = dro("generate", "--model", model(), "--num-icl", "6", "Hi?");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals("dro: error: numOptimizedIcl must be between 1 and 5, but was 6", r.err().strip());

        CliRun missing = dro("generate", "--model", "/nonexistent/m.gguf", "Hi?");
        assertEquals(1, missing.code());
        assertEquals("dro: error: Model file not found: /nonexistent/m.gguf", missing.err().strip());

        CliRun topP = dro("generate", "--model", model(), "--top-p", "0", "Hi?");
        assertEquals("dro: error: topP must be in (0, 1], but was 0.0", topP.err().strip());
    }

    @Test
    void helpListsTheOptions() {
        CliRun r = dro("generate", "--help");
        assertEquals(0, r.code());
        for (String option : new String[] {"--model", "--dry-run", "--system-prompt", "--no-icl", "--num-icl",
                "--temperature", "--top-p", "--max-new-tokens", "--stop", "--num-gpus", "--cuda-visible-devices",
                "--gpu-layers", "--gpu-memory-utilization", "--dtype", "--max-model-len", "--timeout", "--openai",
                "--base-url", "--icl-order", "--reasoning-model"}) {
            assertTrue(r.out().contains(option), option);
        }
    }

    @Test
    void openAiRejectsOptionsForLocalModels() {
        CliRun r = dro("generate", "--openai", "--model", "gpt-4o-mini", "--num-gpus", "1", "--threads", "2", "Hi?");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals("dro: error: openAiModel(true) cannot honour settings for local models: numGpus 1, threads 2",
                r.err().strip());
    }

    @Test
    void baseUrlNeedsOpenAi() {
        CliRun r = dro("generate", "--model", model(), "--base-url", "http://localhost:8000/v1", "Hi?");
        assertEquals(1, r.code());
        assertEquals("dro: error: A local model file cannot honour settings for one OpenAI-compatible endpoint (set"
                + " openAiModel(true) for those; with endpoints, give them per endpoint): baseUrl"
                + " \"http://localhost:8000/v1\"", r.err().strip());
    }

    @Test
    void aMissingCommandIsAUsageError() {
        CliRun r = dro();
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Missing command"), r.err());
    }
}
