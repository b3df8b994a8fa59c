package dro.compat.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dro.InvalidRequestException;
import dro.prompt.PromptStore;
import dro.testing.Fuzz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Importing a directory laid out like the original's {@code data/}: whatever its {@code model_mapping.json} and a
 * run's {@code output.json}, {@code output.txt} or {@code output.pkl} hold, the import reports what it imported and
 * skipped, or (for a mapping it cannot read) fails with an {@link InvalidRequestException}.
 *
 * <p>Input: the first byte picks the run's file (0 {@code output.json}, 1 {@code output.txt}, 2 {@code output.pkl}),
 * the second is the length L of the {@code model_mapping.json} that follows (none when 0), and the rest is the run's
 * file.
 */
class OriginalDataFuzzTest {

    private static final String[] RUN_FILES = {"output.json", "output.txt", "output.pkl"};

    /**
     * The directory imported. Each input leaves it as a fresh one would be: its run's file (the other two absent), its
     * mapping or none, and no {@code store} (the prompt store the import writes, deleted with what it holds).
     */
    private static final Path ROOT = Fuzz.freshDirectory("original-data");

    @FuzzTest(maxDuration = "60s")
    void anyRunDirectoryImportsOrIsReportedOrFailsWithAnInvalidRequestException(byte[] data) throws Exception {
        if (data.length < 2) {
            return;
        }
        Path root = ROOT;
        Files.createDirectories(root.resolve("run-a"));
        Fuzz.absent("original-data/store");
        int mappingEnd = Math.min(data.length, 2 + (data[1] & 0xff));
        if (mappingEnd > 2) {
            Fuzz.file("original-data/model_mapping.json", Arrays.copyOfRange(data, 2, mappingEnd));
        } else {
            Fuzz.absent("original-data/model_mapping.json");
        }
        String runFile = RUN_FILES[(data[0] & 0xff) % RUN_FILES.length];
        for (String f : RUN_FILES) {
            if (f.equals(runFile)) {
                Fuzz.file("original-data/run-a/" + f, Arrays.copyOfRange(data, mappingEnd, data.length));
            } else {
                Fuzz.absent("original-data/run-a/" + f);
            }
        }
        PromptStore store = PromptStore.at(root.resolve("store"));
        Fuzz.onlyDeclared(() -> {
            OriginalDataImporter.Report r = OriginalDataImporter.importInto(store, root);
            r.toString();
            store.list();
        }, InvalidRequestException.class);
    }
}
