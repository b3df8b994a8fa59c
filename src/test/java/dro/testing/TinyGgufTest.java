package dro.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.gguf.GgufFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The F16 writer of the test models. */
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
            dro.Generation gen = m.complete("Hello?", o);
            assertEquals(8, gen.usage().completionTokens(), gen.toString());
            assertEquals(dro.FinishReason.LENGTH, gen.finishReason(), gen.toString());
        }
    }
}
