package dro.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.compat.OriginalRelease;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A release of optimised prompts made up by a test, laid out like the original repository: each run is a
 * {@code data/<run>/output.txt} holding a prompt the test wrote. {@link #serve} puts the files on a loopback
 * {@link FakeHub} under {@code /DRPO/}; {@link #manifest} writes a manifest pinning their SHA-256 and sizes, computed
 * here from the bytes served.
 */
public final class TestRelease {

    public static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    /** The path on the server the repository lies under. */
    public static final String ROOT = "/DRPO";

    private final Map<String, List<String>> models = new LinkedHashMap<>();
    private final Map<String, String> prompts = new LinkedHashMap<>();

    /** A run whose {@code output.txt} holds {@code prompt}. */
    public TestRelease run(String name, List<String> runModels, String prompt) {
        models.put(name, List.copyOf(runModels));
        prompts.put(name, prompt);
        return this;
    }

    /** The bytes of a run's {@code output.txt}. */
    public byte[] bytes(String run) {
        return prompts.get(run).getBytes(StandardCharsets.UTF_8);
    }

    /** Serves every run's file; returns the base URL of the repository on the server. */
    public String serve(FakeHub hub) {
        for (String run : prompts.keySet()) {
            hub.addRaw(ROOT + "/data/" + run + "/output.txt", bytes(run));
        }
        return hub.endpoint() + ROOT;
    }

    /** Writes the manifest (its default base URL an unused loopback address) and reads it. */
    public OriginalRelease manifest(Path file) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("repository", "someone/original").put("repositoryUrl", "https://github.com/someone/original")
                .put("commit", COMMIT).put("license", "Apache-2.0").put("baseUrl", "http://127.0.0.1:9/DRPO");
        ArrayNode runs = root.putArray("runs");
        for (String run : prompts.keySet()) {
            ObjectNode r = runs.addObject().put("name", run);
            models.get(run).forEach(r.putArray("models")::add);
            byte[] b = bytes(run);
            r.putArray("files").addObject().put("path", "data/" + run + "/output.txt")
                    .put("sha256", FakeHub.sha256(b)).put("size", b.length);
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, json.writeValueAsString(root), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return OriginalRelease.read(file);
    }
}
