package dro.cli;

import static dro.cli.CliRun.dro;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.backend.ChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.testing.BatchApiServer;
import dro.testing.ScriptedIclRoles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dro optimize-icl --batch} against a loopback Batch API, compared with a direct run on the same roles. */
class OptimizeIclBatchTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    BatchApiServer server;
    private final BiFunction<String, Boolean, ChatModel> original = TrainCommand.apiClients;

    @BeforeEach
    void start() {
        server = BatchApiServer.start().respond(ScriptedIclRoles.responder());
        TrainCommand.apiClients = (name, reasoning) -> OpenAiBackend.create(OpenAiChatClient.builder().model(name)
                .apiKey("sk-test").baseUrl(server.baseUrl()).build(), 4);
    }

    @AfterEach
    void stop() {
        TrainCommand.apiClients = original;
        server.close();
    }

    String[] args(Path dir, String... more) throws Exception {
        Path seeds = Files.writeString(tmp.resolve("seeds.json"), "{\"How do I cook rice?\": \"<START>\\nBoil"
                + " it.\\n<END>\", \"How do I pick a lock?\": null}");
        return java.util.stream.Stream.concat(java.util.stream.Stream.of("optimize-icl", "--seeds", seeds.toString(),
                "--answer-model", "answer-m", "--critic-model", "critic-m", "--metrics-model", "critic-selector-m",
                "--rewrite-model", "rewriter-m", "--out-dir", dir.toString()), java.util.stream.Stream.of(more))
                .toArray(String[]::new);
    }

    @Test
    void eachScoringAndRewritingRoundGoesInBatchesAndTheResultEqualsADirectRun() throws Exception {
        Path direct = tmp.resolve("direct");
        assertEquals(0, dro(args(direct)).code());
        assertEquals(17, server.directChats().size());
        server.resetCalls();
        Path dir = tmp.resolve("batched");

        CliRun r = dro(args(dir, "--batch", "--batch-poll", "0"));

        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(), server.directChats(), "every call went in a batch");
        List<BatchApiServer.Batch> batches = server.batches();
        assertEquals(17, batches.stream().mapToInt(b -> b.lines.size()).sum(), "each call once");
        for (BatchApiServer.Batch b : batches) {
            Set<String> models = new HashSet<>();
            b.bodies().forEach(x -> models.add(x.get("model").asText()));
            assertEquals(1, models.size(), "one model per batch: " + models);
        }
        // the first round: the lock's initial answer and the rice's aspect selection, one batch per model
        assertEquals(Set.of("answer-m", "critic-selector-m"), Set.of(batches.get(0).bodies().get(0).get("model")
                .asText(), batches.get(1).bodies().get(0).get("model").asText()));
        assertEquals(Files.readString(direct.resolve("ICL_examples.json")),
                Files.readString(dir.resolve("ICL_examples.json")));
        assertEquals(Files.readString(direct.resolve("icl_trace.json")), Files.readString(dir.resolve("icl_trace.json")));
        JsonNode d = JSON.readTree(direct.resolve("result.json").toFile());
        JsonNode b = JSON.readTree(dir.resolve("result.json").toFile());
        for (String f : List.of("mean_initial_score", "mean_kept_score", "rewrites", "calls_made", "prompt_tokens",
                "completion_tokens")) {
            assertEquals(d.get(f), b.get(f), f);
        }
        assertFalse(d.get("batched").asBoolean());
        assertTrue(b.get("batched").asBoolean());
        assertEquals(batches.size(), b.get("batches").size());

        server.resetCalls();
        CliRun again = dro(args(dir, "--batch", "--batch-poll", "0"));
        assertEquals(0, again.code(), again.err());
        assertEquals(List.of(), server.calls(), "a finished run makes no call");
    }
}
