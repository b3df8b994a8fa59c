package dro.compat.internal;

import dro.compat.ArtifactException;
import dro.DroException;
import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports the optimised prompts of a directory laid out like the original's {@code data/} into a
 * {@link PromptStore}: each subdirectory holding an {@code output.pkl}, {@code output.txt} or {@code output.json}
 * becomes one prompt, with the id and an alias from the subdirectory's name and the model names that
 * {@code model_mapping.json} maps to it. The prompt is taken from {@code output.pkl} when present (read safely, see
 * {@link OutputPickle}), else {@code output.txt}, else the last level of {@code output.json}; when these disagree,
 * the pickle wins and a warning says so. A prompt already in the store under the same id is replaced.
 *
 * <p>Given the original's repository root instead, its {@code data/} directory is used. Only files inside the
 * directory are read: a run directory or output file that is a symbolic link to somewhere outside it is skipped as an
 * error, as is a mapping entry that leads outside (see {@link ModelMapping}).
 *
 * <p>Stateless and thread-safe; each prompt is written atomically (see {@link PromptStore#put}), so concurrent
 * imports of the same prompt leave one of them whole.
 */
public final class OriginalDataImporter {

    private static final Logger log = LoggerFactory.getLogger(OriginalDataImporter.class);

    private OriginalDataImporter() { }

    /** A prompt that was imported, and the file it came from. */
    public record Imported(OptimizedPrompt prompt, Path from) { }

    /**
     * Something that was not imported.
     *
     * @param what   a run directory or a model name of the mapping
     * @param reason why
     * @param error  true when a file could not be read (as opposed to a mapping entry whose file is absent)
     */
    public record Skipped(String what, String reason, boolean error) { }

    /** What an import did. */
    public record Report(Path directory, List<Imported> imported, List<Skipped> skipped) {
        public Report {
            imported = List.copyOf(imported);
            skipped = List.copyOf(skipped);
        }

        /** Whether any file could not be read. */
        public boolean hasErrors() {
            return skipped.stream().anyMatch(Skipped::error);
        }
    }

    /**
     * Imports every run of {@code directory} into {@code store}.
     *
     * @throws InvalidRequestException if {@code directory} is not a directory, or its {@code model_mapping.json}
     *                                 cannot be read (it has a path leading outside the directory, say)
     */
    public static Report importInto(PromptStore store, Path directory) {
        return importInto(store, directory, from -> "imported from " + from);
    }

    /**
     * Imports every run of {@code directory} into {@code store}, with the {@code source} of each prompt's metadata
     * made from the file it was read from.
     *
     * @throws InvalidRequestException if {@code directory} is not a directory, or its {@code model_mapping.json}
     *                                 cannot be read (it has a path leading outside the directory, say)
     */
    public static Report importInto(PromptStore store, Path directory, Function<Path, String> source) {
        Path dir = directory.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new InvalidRequestException("Not a directory: " + dir);
        }
        if (!Files.exists(dir.resolve("model_mapping.json")) && Files.isRegularFile(dir.resolve("data")
                .resolve("model_mapping.json"))) {
            dir = dir.resolve("data");
        }
        ModelMapping mapping = Files.isRegularFile(dir.resolve("model_mapping.json"))
                ? ModelMapping.read(dir.resolve("model_mapping.json")) : null;
        List<Imported> imported = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        String created = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Path real = realPath(dir);
        for (Path run : runs(dir)) {
            String name = run.getFileName().toString();
            Path from = null;
            try {
                String prompt;
                Path pkl = run.resolve("output.pkl");
                Path txt = run.resolve("output.txt");
                Path json = run.resolve("output.json");
                for (Path p : List.of(run, pkl, txt, json)) {
                    if (Files.exists(p) && !realPath(p).startsWith(real)) {
                        throw new ArtifactException(p + " leads outside " + dir + " (a symbolic link); it is not read");
                    }
                }
                if (Files.isRegularFile(pkl)) {
                    from = pkl;
                    prompt = OutputPickle.read(pkl).optimizedPrompt();
                    if (Files.isRegularFile(txt) && !OutputText.read(txt).equals(prompt)) {
                        log.warn("{} and {} hold different prompts; importing the one from the pickle", pkl, txt);
                    }
                } else if (Files.isRegularFile(txt)) {
                    from = txt;
                    prompt = OutputText.read(txt);
                } else {
                    from = json;
                    prompt = OutputTrace.read(json).finalPrompt();
                }
                List<String> models = new ArrayList<>();
                if (mapping != null) {
                    for (ModelMapping.Entry e : mapping.entries()) {
                        if (e.resolved().isPresent() && sameDir(e.resolved().get().getParent(), run)) {
                            models.add(e.model());
                        }
                    }
                }
                OptimizedPrompt p = OptimizedPrompt.of(OptimizedPrompt.idFrom(name), prompt, models, List.of(name),
                        source.apply(from), created);
                imported.add(new Imported(store.put(p), from));
            } catch (DroException e) {
                skipped.add(new Skipped(name, e.getMessage(), true));
                log.warn("Not imported: {}: {}", from != null ? from : run, e.getMessage());
            }
        }
        if (mapping != null) {
            for (ModelMapping.Entry e : mapping.entries()) {
                if (e.resolved().isEmpty()) {
                    skipped.add(new Skipped(e.model(), "\"" + e.declaredPath() + "\": " + e.note(), false));
                }
            }
        }
        return new Report(dir, imported, skipped);
    }

    /** The directory itself if it holds a run, else its subdirectories that do, by name. */
    private static List<Path> runs(Path dir) {
        if (isRun(dir)) {
            return List.of(dir);
        }
        List<Path> runs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path p : ds) {
                if (isRun(p)) {
                    runs.add(p);
                }
            }
        } catch (IOException e) {
            throw new FileAccessException("Cannot list " + dir + ": " + e, dir, e);
        }
        runs.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return runs;
    }

    private static boolean isRun(Path dir) {
        return Files.isRegularFile(dir.resolve("output.pkl")) || Files.isRegularFile(dir.resolve("output.txt"))
                || Files.isRegularFile(dir.resolve("output.json"));
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            throw new ArtifactException("Cannot resolve " + p + ": " + e, e);
        }
    }

    private static boolean sameDir(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
