package dro.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.Environment;
import dro.InvalidRequestException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HfFileTest {

    @Test
    void parsesRepoRevisionAndPath() {
        assertEquals(new HfFile("owner/repo", "main", "file.gguf"), HfFile.parse("hf://owner/repo/file.gguf"));
        assertEquals(new HfFile("owner/repo", "v1.0", "dir/f.GGUF"), HfFile.parse("HF://owner/repo@v1.0/dir/f.GGUF"));
        assertEquals("hf://owner/repo@v1.0/dir/f.GGUF", HfFile.parse("hf://owner/repo@v1.0/dir/f.GGUF").toString());
        assertEquals("f.GGUF", HfFile.parse("hf://owner/repo@v1.0/dir/f.GGUF").fileName());
        assertTrue(HfFile.isHfName(" hf://x"));
        assertFalse(HfFile.isHfName("mistral-7b"));
    }

    @Test
    void rejectsNamesThatCouldLeaveTheCacheOrAreIncomplete() {
        assertEquals("An hf:// name must be hf://owner/repo/file.gguf, but was \"hf://owner/file.gguf\"",
                assertThrows(InvalidRequestException.class, () -> HfFile.parse("hf://owner/file.gguf")).getMessage());
        assertEquals("Hub file path must not contain empty, '.', '..' or backslash parts, but was \"../../x.gguf\"",
                assertThrows(InvalidRequestException.class, () -> HfFile.parse("hf://o/r/../../x.gguf")).getMessage());
        assertEquals("Hub repository must be owner/name, but was \"../r\"",
                assertThrows(InvalidRequestException.class, () -> HfFile.parse("hf://../r/x.gguf")).getMessage());
        assertEquals("Hub revision must be a branch, tag or commit name, but was \"\"",
                assertThrows(InvalidRequestException.class, () -> HfFile.parse("hf://o/r@/x.gguf")).getMessage());
    }

    @Test
    void resolveUrlsEncodeTheirPartsAndCachePathsStayInTheCache() {
        HubClient c = HubClient.builder().cacheDir(Path.of("/cache"))
                .environment(Environment.of(Map.of("HF_ENDPOINT", "https://mirror.example/hf/"))).build();
        HfFile f = new HfFile("o/r", "main", "a dir/b+c.gguf");
        assertEquals(URI.create("https://mirror.example/hf/o/r/resolve/main/a%20dir/b%2Bc.gguf"), c.resolveUrl(f));
        assertEquals(Path.of("/cache/o/r/main/a dir/b+c.gguf"), c.cachePath(f));
        assertEquals(URI.create("https://huggingface.co"), HubClient.builder().environment(Environment.EMPTY).build()
                .endpoint());
    }
}
