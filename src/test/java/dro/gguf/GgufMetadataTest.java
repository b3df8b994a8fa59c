package dro.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufMetadataTest {

    @TempDir
    Path tmp;

    @Test
    void readsTheGeneralNamingKeysAndBaseModels() throws Exception {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("general.name", "Meta Llama 3 8B Instruct");
        meta.put("general.basename", "Meta-Llama-3");
        meta.put("general.size_label", "8B");
        meta.put("general.finetune", "Instruct");
        meta.put("general.version", "v1");
        meta.put("general.base_model.count", 2);
        meta.put("general.base_model.0.name", "Meta Llama 3 8B");
        meta.put("general.base_model.0.organization", "Meta Llama");
        meta.put("general.base_model.0.repo_url", "https://huggingface.co/meta-llama/Meta-Llama-3-8B");
        meta.put("general.base_model.1.name", "Other");
        Path f = TinyGguf.metadataOnly(tmp.resolve("m.gguf"), meta);

        GgufFile g = GgufFile.readMetadata(f);

        assertEquals(Optional.of("Meta Llama 3 8B Instruct"), g.name());
        assertEquals(Optional.of("Meta-Llama-3"), g.basename());
        assertEquals(Optional.of("8B"), g.sizeLabel());
        assertEquals(Optional.of("Instruct"), g.finetune());
        assertEquals(Optional.of("v1"), g.modelVersion());
        assertEquals(List.of(
                new GgufFile.BaseModel(Optional.of("Meta Llama 3 8B"), Optional.of("Meta Llama"),
                        Optional.of("https://huggingface.co/meta-llama/Meta-Llama-3-8B")),
                new GgufFile.BaseModel(Optional.of("Other"), Optional.empty(), Optional.empty())), g.baseModels());
    }

    @Test
    void readingOnlyTheMetadataSkipsTheTensorInfos() {
        GgufFile whole = GgufFile.read(TestModels.scriptedChat());
        GgufFile meta = GgufFile.readMetadata(TestModels.scriptedChat());

        assertEquals(whole.metadata(), meta.metadata());
        assertEquals(12, whole.tensors().size());
        assertTrue(meta.tensors().isEmpty());
        assertEquals(-1, meta.dataOffset());
        assertEquals(Optional.of("dro4j-scripted"), meta.name());
        assertEquals(List.of(), meta.baseModels());
    }

    @Test
    void extraMetadataReplacesTheNameOfAScriptedModelAndKeepsItLoadable() throws Exception {
        Path f = TinyGguf.scripted(tmp.resolve("s.gguf"), "Hi<END>", null, 4096,
                Map.of("general.name", "Mistral-7B-v0.1", "general.size_label", "7B"));

        GgufFile g = GgufFile.read(f);

        assertEquals(Optional.of("Mistral-7B-v0.1"), g.name());
        assertEquals(Optional.of("7B"), g.sizeLabel());
        assertEquals(12, g.tensors().size());
        assertEquals(GgufFile.read(TestModels.scriptedBase()).metadata().keySet().stream().toList().subList(0, 3),
                g.metadata().keySet().stream().toList().subList(0, 3));
    }
}
