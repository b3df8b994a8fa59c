package dro.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {

    @TempDir
    Path tmp;

    @Test
    void readsTheHeaderOfAGeneratedChatModel() {
        GgufFile g = GgufFile.read(TestModels.scriptedChat());

        assertEquals(3, g.version());
        assertEquals("llama", g.architecture());
        assertEquals(TinyGguf.CHAT_TEMPLATE, g.chatTemplate().orElseThrow());
        assertEquals(16384L, g.trainedContextLength().orElseThrow());
        assertEquals(1L, g.blockCount().orElseThrow());
        assertFalse(g.addsBos());
        assertEquals(12, g.tensors().size());
        // one layer: two norms of 264, four 264x264 attention matrices, three 264x32 feed-forward matrices (F32)
        long layer = 4L * (2 * 264 + 4 * 264 * 264 + 3 * 264 * 32);
        assertArrayEquals(new long[] {layer}, g.layerBytes());
        assertEquals(4L * (264 * TinyGguf.VOCAB_SIZE * 2 + 264), g.nonLayerBytes());
    }

    @Test
    void baseModelHasNoChatTemplate() {
        assertTrue(GgufFile.read(TestModels.scriptedBase()).chatTemplate().isEmpty());
    }

    @Test
    void aBlockCountOutOfRangeIsNamedInsteadOfAllocatingALayerTable() throws Exception {
        // found by GgufFuzzTest: block_count 2^32-1 asked layerBytes() for 16 GiB (OutOfMemoryError)
        Path f = TinyGguf.metadataOnly(tmp.resolve("layers.gguf"), java.util.Map.of("llama.block_count", -1));
        GgufFile g = GgufFile.read(f);
        GgufException e = assertThrows(GgufException.class, g::layerBytes);
        assertEquals("Invalid GGUF file " + f.toAbsolutePath() + ": llama.block_count is 4294967295 (0 to 65536 layers"
                + " are read)", e.getMessage());
    }

    @Test
    void rejectsAMissingFileNamingIt() {
        Path missing = tmp.resolve("nope.gguf");
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.read(missing));
        assertEquals("Model file not found: " + missing.toAbsolutePath(), e.getMessage());
    }

    @Test
    void rejectsAFileThatIsNotGguf() throws Exception {
        Path f = Files.writeString(tmp.resolve("model.gguf"), "this is a text file, not a model at all");
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.read(f));
        assertEquals("Invalid GGUF file " + f.toAbsolutePath()
                + ": not a GGUF file (magic bytes are 74686973, expected 'GGUF')", e.getMessage());
    }

    @Test
    void rejectsATruncatedModel() throws Exception {
        byte[] whole = Files.readAllBytes(TestModels.scriptedChat());
        Path f = Files.write(tmp.resolve("cut.gguf"), Arrays.copyOf(whole, whole.length / 2));
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.read(f));
        assertTrue(e.getMessage().contains("lies beyond the end of the file"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void rejectsAHeaderCutInsideTheMetadata() throws Exception {
        byte[] whole = Files.readAllBytes(TestModels.scriptedChat());
        Path f = Files.write(tmp.resolve("cut.gguf"), Arrays.copyOf(whole, 200));
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.read(f));
        assertTrue(e.getMessage().startsWith("Invalid GGUF file " + f.toAbsolutePath()), e.getMessage());
    }

    @Test
    void rejectsAbsurdCountsWithoutAllocating() throws Exception {
        Path f = tmp.resolve("absurd.gguf");
        Files.write(f, header(1L << 40, 0));
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.read(f));
        assertTrue(e.getMessage().endsWith("tensor count 1099511627776 does not fit in the file"), e.getMessage());
    }

    @Test
    void rejectsAnAbsurdStringLength() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header(0, 1));
        b.putLong(Long.MAX_VALUE); // key length
        b.put("xxxxxxxxxxxxxxxxxxxxxxxx".getBytes(StandardCharsets.US_ASCII));
        Path f = Files.write(tmp.resolve("string.gguf"), b.array());
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.read(f));
        assertTrue(e.getMessage().endsWith("metadata key #0 has length 9223372036854775807, beyond the end of the file"),
                e.getMessage());
    }

    @Test
    void rejectsAnUnsupportedVersion() throws Exception {
        byte[] h = header(0, 0);
        h[4] = 9;
        Path f = Files.write(tmp.resolve("v9.gguf"), h);
        GgufException e = assertThrows(GgufException.class, () -> GgufFile.read(f));
        assertTrue(e.getMessage().endsWith("unsupported GGUF version 9 (supported: 2, 3)"), e.getMessage());
    }

    private static byte[] header(long tensors, long kvs) {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.put("GGUF".getBytes(StandardCharsets.US_ASCII)).putInt(3).putLong(tensors).putLong(kvs);
        return b.array();
    }
}
