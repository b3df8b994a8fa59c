package dro.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.FileAccessException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path tmp;

    @Test
    void writesTextAsUtf8CreatingParentsAndReplacingAnOldFile() throws Exception {
        Path f = tmp.resolve("a/b/c.txt");
        AtomicFiles.write(f, "old");
        AtomicFiles.write(f, "Où\n");
        assertArrayEquals(new byte[] {'O', (byte) 0xc3, (byte) 0xb9, '\n'}, Files.readAllBytes(f));
        assertEquals(List.of(f), list(f.getParent()));
    }

    @Test
    void aFailingWriterLeavesTheOldFileAndNoTemporaryFile() throws Exception {
        Path f = tmp.resolve("c.bin");
        AtomicFiles.write(f, new byte[] {1, 2, 3});
        FileAccessException e = assertThrows(FileAccessException.class, () -> AtomicFiles.write(f, out -> {
            out.write(9);
            throw new IOException("disk full");
        }));
        assertEquals("Cannot write " + f + ": disk full", e.getMessage());
        assertEquals(f, e.file());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        assertEquals(List.of(f), list(tmp));
    }

    @Test
    void movesADirectoryIntoPlace() throws Exception {
        Path from = Files.createDirectories(tmp.resolve("from"));
        Files.writeString(from.resolve("x"), "x");
        AtomicFiles.move(from, tmp.resolve("to"));
        assertEquals("x", Files.readString(tmp.resolve("to/x")));
        assertTrue(Files.notExists(from));
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
