package dro.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.gguf.GgufFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The F16 and Q4_K_M writers of the test models. */
class TinyGgufTest {

    @TempDir
    Path tmp;

    @Test
    void halfPrecisionRoundsToTheNearestValue() {
        assertEquals((short) 0x3c00, TinyGguf.toHalf(1f));
        assertEquals((short) 0xc000, TinyGguf.toHalf(-2f));
        assertEquals((short) 0x2e66, TinyGguf.toHalf(0.1f));
        assertEquals((short) 0x7bff, TinyGguf.toHalf(65504f));
        assertEquals((short) 0x7c00, TinyGguf.toHalf(1e6f));
        assertEquals((short) 0x0001, TinyGguf.toHalf(0x1.0p-24f));
        assertEquals((short) 0x0400, TinyGguf.toHalf(0x1.0p-14f));
        assertEquals((short) 0x0000, TinyGguf.toHalf(1e-9f));
        assertEquals((short) 0x8000, TinyGguf.toHalf(-0f));
        assertEquals((short) 0x3c01, TinyGguf.toHalf(1.0009766f));
    }

    @Test
    void anF16ModelIsHalfTheSizeAndRunsInLlamaCpp() throws Exception {
        Path f16 = TinyGguf.randomF16(tmp.resolve("f16.gguf"), 5, 64, 2, 4, 128, 1024, TinyGguf.CHAT_TEMPLATE);
        Path f32 = TinyGguf.random(tmp.resolve("f32.gguf"), 5, 64, 2, 4, 128, 1024, TinyGguf.CHAT_TEMPLATE);
        GgufFile g = GgufFile.read(f16);
        long matrices = 4L * 64 * 64 + 3L * 64 * 128;
        assertEquals(2 * (matrices * 2 + 2 * 64 * 4), java.util.Arrays.stream(g.layerBytes()).sum());
        assertEquals(2L * 64 * TinyGguf.VOCAB_SIZE * 2 + 64 * 4, g.nonLayerBytes());
        assertEquals(2 * (matrices + 2 * 64) + 2L * 64 * TinyGguf.VOCAB_SIZE + 64, TinyGguf.parameterCount(64, 2, 128));
        assertTrue(Files.size(f16) < 0.6 * Files.size(f32), Files.size(f16) + " vs " + Files.size(f32));

        GenerateOptions o = GenerateOptions.builder().temperature(0).optimizedIcl(false)
                .userSpecifiedSystemPrompt("Be brief.").stop(List.of()).maxNewTokens(8).build();
        try (AutoModel m = AutoModel.builder().model(f16).threads(2).maxModelLen(256).build()) {
            // Greedy answers of random weights are not compared across calls: a second call reuses the cached
            // prefix, which sums in another order and can flip near-tied tokens (see MajorityDigitModelTest).
            dro.Generation answer = m.complete("Hello?", o);
            assertEquals(8, answer.usage().completionTokens(), answer.toString());
            assertEquals(dro.FinishReason.LENGTH, answer.finishReason(), answer.toString());
        }
    }

    @Test
    void aQ4KmModelHasLlamaCppsMixtureAndSizeAndGeneratesVariedText() throws Exception {
        int embd = 256, ff = 512, layers = 8;
        Path q = TinyGguf.randomQ4KM(tmp.resolve("q4km.gguf"), 7, embd, layers, 4, ff, 1024, TinyGguf.CHAT_TEMPLATE);
        GgufFile g = GgufFile.read(q);
        assertEquals(15L, g.integer("general.file_type").orElseThrow());
        // Q6_K for attn_v and ffn_down in the first and last eighth and every third layer between: 0, 3, 6, 7.
        List<String> q6 = new ArrayList<>();
        long data = 0;
        for (GgufFile.TensorInfo t : g.tensors()) {
            if (t.type() == GgufFile.GgmlType.Q6_K) {
                q6.add(t.name());
            }
            data = (data + 31) / 32 * 32 + t.bytes();
            if (t.name().endsWith("norm.weight")) {
                assertEquals(GgufFile.GgmlType.F32, t.type(), t.name());
            }
        }
        assertEquals(List.of("output.weight", "blk.0.attn_v.weight", "blk.0.ffn_down.weight", "blk.3.attn_v.weight",
                "blk.3.ffn_down.weight", "blk.6.attn_v.weight", "blk.6.ffn_down.weight", "blk.7.attn_v.weight",
                "blk.7.ffn_down.weight"), q6);
        assertEquals(GgufFile.GgmlType.Q4_K, g.tensors().get(0).type(), g.tensors().get(0).name());
        // Q4_K: 144 bytes per 256 values; Q6_K: 210.
        long q4 = (long) embd * TinyGguf.VOCAB_SIZE + layers * (3L * embd * embd + 2L * embd * ff)
                + 4L * (embd * embd + (long) ff * embd);
        long q6Values = (long) embd * TinyGguf.VOCAB_SIZE + 4L * (embd * embd + (long) ff * embd);
        long norms = (2L * layers + 1) * embd * 4;
        assertEquals(q4 / 256 * 144 + q6Values / 256 * 210 + norms,
                g.tensors().stream().mapToLong(GgufFile.TensorInfo::bytes).sum());
        assertEquals(g.dataOffset() + (data + 31) / 32 * 32, Files.size(q)); // each tensor padded to 32 bytes

        // llama.cpp reads it as Q4_K_M, and its greedy text is neither NaN-driven nor one token repeated.
        ChildJvm.Result r = ChildJvm.run(QuantisedModelProbe.class, Map.of("DRO4J_NATIVE_LOG", "1"), tmp,
                q.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("Q4_K - Medium"), r.err());
        int q4Tensors = 1 + 5 * layers + 2 * (layers - 4); // token_embd, 5 matrices a layer, 2 in 4 layers
        assertTrue(r.err().matches("(?s).*type q4_K:\\s+" + q4Tensors + " tensors.*"), r.err());
        assertTrue(r.err().matches("(?s).*type q6_K:\\s+" + q6.size() + " tensors.*"), r.err());
        assertTrue(r.err().matches("(?s).*type  f32:\\s+" + (2 * layers + 1) + " tensors.*"), r.err());
        assertTrue(r.out().startsWith("LENGTH 48\n"), r.out());
        // Random weights loop into a short cycle after a while, and byte tokens of no whole character print as
        // U+FFFD, so the answer's characters are few; logits of NaN would give one token, or none before EOS.
        Set<Integer> distinct = new HashSet<>();
        r.out().substring("LENGTH 48\n".length()).codePoints().forEach(distinct::add);
        assertTrue(distinct.size() >= 3, "greedy text of a random model: \"" + r.out() + "\"");
    }
}
