package dro.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.InvalidRequestException;
import dro.backend.Endpoint;
import dro.cli.CliRun;
import dro.compat.ArtifactException;
import dro.compat.internal.MetricsCache;
import dro.prompt.PromptStore;
import dro.roles.internal.JsonReplies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * JSON nested 100,000 deep (issue 22): every reader of JSON files and replies gives its declared exception naming the
 * nesting, or finds no object in a reply; none recurses into it. The timeout only guards against a hang.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeepJsonTest {

    static final String NESTING = "Document nesting depth (1001) exceeds the maximum allowed (1000, from"
            + " `StreamReadConstraints.getMaxNestingDepth()`)";

    @TempDir
    Path tmp;

    static String arrays(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    static String objects(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    @Test
    void anEndpointsFileNested100000DeepIsRefusedNamingTheNesting() throws Exception {
        Path f = Files.writeString(tmp.resolve("endpoints.json"), arrays(100_000));
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> Endpoint.readAll(f));
        assertEquals("The endpoints file " + f + " is not readable JSON: " + NESTING, e.getMessage());
    }

    @Test
    void aMetricsCacheNested100000DeepIsRefusedNamingTheNesting() throws Exception {
        Path f = Files.writeString(tmp.resolve("metrics_cache.json"), objects(100_000));
        ArtifactException e = assertThrows(ArtifactException.class, () -> MetricsCache.read(f));
        assertEquals("Metrics cache " + f.toAbsolutePath() + " is not valid JSON: " + NESTING, e.getMessage());
    }

    @Test
    void aConfigFileNested100000DeepIsRefusedInOneLine() throws Exception {
        Path f = Files.writeString(tmp.resolve("c.json"), objects(100_000));
        CliRun r = CliRun.dro("train", "--config", f.toString(), "--estimate");
        assertEquals(1, r.code());
        assertEquals("dro: error: Config file " + f + " is not valid JSON: " + NESTING, r.err().strip());
    }

    @Test
    void aStoredPromptsMetadataNested100000DeepIsRefusedNamingTheNesting() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("optimized").resolve("m"));
        Files.writeString(dir.resolve("prompt.txt"), "Be kind.");
        Files.writeString(dir.resolve("meta.json"), objects(100_000));
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> PromptStore.at(tmp).get("m"));
        assertTrue(e.getMessage().startsWith("The meta.json of optimised prompt " + dir + " is not valid JSON: ")
                && e.getMessage().contains("Document nesting depth (1001) exceeds the maximum allowed (1000"),
                e.getMessage());
    }

    @Test
    void aReplyNested100000DeepGivesItsFirstObjectNestedLessThan64Deep() {
        // replies are read at most 64 deep: the outer objects fail, the innermost 64 levels parse
        assertEquals(objects(64), JsonReplies.object("Here: " + objects(100_000)).orElseThrow()
                .toString());
    }

    @Test
    void aReplyOfAMillionOpeningBracesIsReadInOnePass() {
        // a scan per brace to the reply's end made this about 5 * 10^11 steps
        assertEquals(Optional.empty(), JsonReplies.object("{".repeat(1_000_000)));
        assertEquals("{\"a\":1}", JsonReplies.object("{".repeat(1_000_000) + " {\"a\": 1}").orElseThrow()
                .toString());
    }

    @Test
    void writingJsonNestedDeeperThanTheLimitFailsInsteadOfRecursing() {
        com.fasterxml.jackson.databind.node.ArrayNode root = Json.MAPPER.createArrayNode();
        com.fasterxml.jackson.databind.node.ArrayNode a = root;
        for (int i = 0; i < 100_000; i++) {
            a = a.addArray();
        }
        dro.InvalidRequestException e = assertThrows(dro.InvalidRequestException.class, () -> Json.compact(root));
        assertTrue(e.getMessage().contains("nesting depth (1001) exceeds the maximum allowed (1000"), e.getMessage());
    }
}
