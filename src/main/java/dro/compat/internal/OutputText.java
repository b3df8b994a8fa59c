package dro.compat.internal;

import dro.compat.ArtifactException;
import java.nio.file.Path;

/**
 * The original's {@code output.txt}: the optimised prompt as plain UTF-8 text. It is returned exactly as stored (the
 * original writes it without a trailing newline, and it equals the prompt in {@code output.pkl} character for
 * character); a blank file is an error.
 */
public final class OutputText {

    private OutputText() { }

    /**
     * Reads an {@code output.txt}.
     *
     * @throws ArtifactException if it is missing, not UTF-8, or blank
     */
    public static String read(Path file) {
        String text = ArtifactFiles.text(file, "Prompt file");
        if (text.isBlank()) {
            throw new ArtifactException("Prompt file " + file.toAbsolutePath() + " is empty");
        }
        return text;
    }
}
