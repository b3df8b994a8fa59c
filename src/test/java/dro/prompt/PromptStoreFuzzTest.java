package dro.prompt;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dro.InvalidRequestException;
import dro.testing.Fuzz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A prompt-store entry ({@code optimized/ID/prompt.txt} and {@code meta.json}) gives a prompt or an
 * {@link InvalidRequestException}; listing the store skips what it cannot read. Input: {@code prompt.txt}, then after
 * the first NUL byte {@code meta.json} (none without a NUL byte).
 */
class PromptStoreFuzzTest {

    /** The store's root; each input replaces its one entry's two files (the directories stay). */
    private static final Path ROOT = Fuzz.freshDirectory("prompt-store");

    private static final String ENTRY = "prompt-store/optimized/some-model/";

    @FuzzTest(maxDuration = "60s")
    void anyStoredPromptReadsOrFailsWithAnInvalidRequestException(byte[] data) throws Exception {
        Files.createDirectories(ROOT.resolve("optimized").resolve("some-model"));
        int nul = -1;
        for (int i = 0; i < data.length && nul < 0; i++) {
            nul = data[i] == 0 ? i : -1;
        }
        Fuzz.file(ENTRY + "prompt.txt", nul < 0 ? data : Arrays.copyOfRange(data, 0, nul));
        if (nul >= 0) {
            Fuzz.file(ENTRY + "meta.json", Arrays.copyOfRange(data, nul + 1, data.length));
        } else {
            Fuzz.absent(ENTRY + "meta.json");
        }
        PromptStore store = PromptStore.at(ROOT);
        Fuzz.onlyDeclared(() -> {
            OptimizedPrompt p = store.get("some-model").orElseThrow();
            p.toString();
            p.hashCode();
        }, InvalidRequestException.class);
        Fuzz.onlyDeclared(() -> store.list().toString());
    }
}
