package dro.compat.internal;

import dro.compat.ArtifactException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dro.internal.Json;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading the original's text and JSON files, with errors that name the file. */
public final class ArtifactFiles {

    private ArtifactFiles() { }

    public static String text(Path file, String what) {
        try {
            byte[] b = Files.readAllBytes(file);
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (NoSuchFileException e) {
            throw new ArtifactException(what + " not found: " + file.toAbsolutePath());
        } catch (CharacterCodingException e) {
            throw new ArtifactException(what + " " + file.toAbsolutePath() + " is not UTF-8 text");
        } catch (IOException e) {
            throw new ArtifactException("Cannot read " + what + " " + file.toAbsolutePath() + ": " + e, e);
        }
    }

    /**
     * The original's JSON as Python's {@code json} module reads it: {@code NaN}, {@code Infinity} and
     * {@code -Infinity} included, which it writes for such floats (and {@link PythonJson} too, so that a file written
     * back reads again).
     */
    private static final ObjectReader PYTHON_JSON = Json.MAPPER.reader()
            .with(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS);

    public static JsonNode json(Path file, String what) {
        String text = text(file, what);
        try {
            JsonNode n = PYTHON_JSON.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw new ArtifactException(what + " " + file.toAbsolutePath() + " is empty");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new ArtifactException(what + " " + file.toAbsolutePath() + " is not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
    }
}
