package dro.cli;

import static dro.cli.CliRun.dro;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dro.InvalidRequestException;
import dro.backend.ChatModel;
import dro.testing.TestModels;
import dro.train.run.ScriptedClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dro train} with a local GGUF base model and in-process API roles. */
class TrainCommandTest {

    @TempDir
    Path tmp;

    final BiFunction<String, Boolean, ChatModel> original = TrainCommand.apiClients;

    @AfterEach
    void restore() {
        TrainCommand.apiClients = original;
    }

    /** Whether each API model's client was made for a reasoning model. */
    final Map<String, Boolean> reasoningSeen = new java.util.TreeMap<>();

    ScriptedClients roles() {
        ScriptedClients c = new ScriptedClients(p -> ScriptedClients.scores(2.0));
        Map<String, ChatModel> byName = Map.of("judge-x", c.judge, "selector-x", c.selector, "optimizer-x",
                c.optimizer);
        TrainCommand.apiClients = (name, reasoning) -> {
            reasoningSeen.put(name, reasoning);
            ChatModel client = byName.get(name);
            if (client == null) {
                throw new InvalidRequestException("unknown test model " + name);
            }
            return client;
        };
        return c;
    }

    @Test
    void trainsALocalBaseModelAndPrintsThePromptFile() throws Exception {
        ScriptedClients c = roles();
        Path queries = Files.writeString(tmp.resolve("q.json"), "[\"What is rice?\", \"How do I\\nboil water?\","
                + " \"Why is the sky blue?\"]");
        Path dir = tmp.resolve("run");
        CliRun r = dro("train", "--base-model", TestModels.scriptedChat().toString(), "--max-model-len", "12288",
                "--judge-model", "judge-x", "--metrics-model", "selector-x", "--optimizer-model", "optimizer-x",
                "--queries", queries.toString(), "--depth", "3", "--max-depth-increase", "0", "--log-dir",
                dir.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals(dir.resolve("optimized_prompt.txt") + System.lineSeparator(), r.out());
        // every answer scores 2.0, so ties keep the first proposal at each level
        assertEquals("You are a helpful assistant..0.0\n", Files.readString(dir.resolve("optimized_prompt.txt")));
        assertTrue(r.err().contains("level 1/3 | beam best 2.000"), r.err());
        assertTrue(r.err().contains("level 2/3"), r.err());
        var trace = new ObjectMapper().readTree(dir.resolve("trace.json").toFile());
        assertEquals("How do I\nboil water?", trace.get("level 2").get("Query").asText(), "queries used in order");
        assertEquals("Hi", trace.get("level 1").get("Output").asText(), "the local model answered");
        assertEquals(3, c.selector.calls.get());
    }

    @Test
    void settingsComeFromAConfigFileUnlessGivenOnTheCommandLine() throws Exception {
        ScriptedClients c = roles();
        Path queries = Files.writeString(tmp.resolve("q.json"), "[\"What is rice?\", \"Why?\", \"How?\"]");
        Path config = Files.writeString(tmp.resolve("c.json"), "{\"eval_model\": \"judge-x\", \"metrics-model\":"
                + " \"selector-x\", \"optimize_model\": \"optimizer-x\", \"depth\": 2, \"max_depth_increase\": 0,"
                + " \"n_actions\": 2, \"ret_icl\": false, \"queries\": \"" + queries + "\", \"max_model_len\": 4096}");
        Path dir = tmp.resolve("run");
        CliRun r = dro("train", "--config", config.toString(), "--base-model", TestModels.scriptedChat().toString(),
                "--n-actions", "1", "--log-dir", dir.toString());
        assertEquals(0, r.code(), r.err());
        var settings = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals(1, settings.get("n_actions").asInt(), "the command line wins");
        assertEquals(2, settings.get("depth").asInt());
        assertEquals(false, settings.get("ret_icl").asBoolean());
        assertEquals(1, c.optimizer.requests.get(0).n());
    }

    @Test
    void aReasoningModelIsMarkedForItsApiClientAndOtherNamesAreRefused() throws Exception {
        roles();
        Path queries = Files.writeString(tmp.resolve("q.json"), "[\"What is rice?\"]");
        String gguf = TestModels.scriptedChat().toString();
        java.util.function.Function<String, CliRun> train = reasoning -> dro("train", "--base-model", gguf,
                "--max-model-len", "12288", "--eval-model", "judge-x", "--metrics-model", "selector-x",
                "--optimize-model", "optimizer-x", "--reasoning-model", reasoning, "--queries", queries.toString(),
                "--depth", "1", "--max-depth-increase", "0", "--log-dir", tmp.resolve("run-" + reasoning.length())
                        .toString());

        CliRun r = train.apply("judge-x");
        assertEquals(0, r.code(), r.err());
        assertEquals(Map.of("judge-x", true, "optimizer-x", false, "selector-x", false), reasoningSeen);

        CliRun typo = train.apply("judge-y-typo");
        assertEquals(1, typo.code());
        assertEquals("dro: error: --reasoning-model judge-y-typo is not a model of this run; its models are " + gguf
                + ", judge-x, selector-x, optimizer-x", typo.err().strip());
        CliRun local = train.apply(gguf);
        assertEquals(1, local.code());
        assertEquals("dro: error: --reasoning-model " + gguf + " is a local model; the setting is for API models",
                local.err().strip());
    }

    @Test
    void aCatalogueNameIsALocalModelToDownloadNotAnApiModel() throws Exception {
        roles();
        Path queries = Files.writeString(tmp.resolve("q.json"), "[\"What is rice?\"]");
        CliRun r = dro(dro.Environment.of(Map.of("DRO4J_OFFLINE", "1")), "train", "--base-model",
                "mistralai/Mistral-7B-v0.1", "--eval-model", "judge-x", "--metrics-model", "selector-x",
                "--optimize-model", "optimizer-x", "--queries", queries.toString(), "--base-model-download-dir",
                tmp.resolve("models").toString(), "--log-dir", tmp.resolve("run").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("offline") && r.err().contains("Mistral-7B-v0.1"), r.err());
        assertFalse(r.err().contains("unknown test model"), "not sent to the API clients: " + r.err());
    }

    @Test
    void badSettingsAreNamed() throws Exception {
        roles();
        Path config = Files.writeString(tmp.resolve("c.json"), "{\"beam_width\": 3}");
        CliRun r = dro("train", "--config", config.toString(), "--base-model", "x.gguf");
        assertEquals(1, r.code());
        assertEquals("dro: error: Config file " + config + " has an unknown setting \"beam_width\"", r.err().strip());

        CliRun noBase = dro("train");
        assertEquals("dro: error: --base-model is required (a GGUF file or an API model name)", noBase.err().strip());

        CliRun beam = dro("train", "--base-model", "m.gguf", "--beam-size", "0", "--log-dir", tmp.toString());
        assertEquals("dro: error: beamSize must be between 1 and 64, but was 0", beam.err().strip());
    }

    @Test
    void theTrainingFormatIsChosenOnTheCommandLineAndRecordedInTheRun() throws Exception {
        ScriptedClients c = roles();
        Path queries = Files.writeString(tmp.resolve("q.json"), "[\"What is rice?\"]");
        Path dir = tmp.resolve("run");
        CliRun r = dro("train", "--base-model", TestModels.scriptedChat().toString(), "--max-model-len", "8192",
                "--eval-model", "judge-x", "--metrics-model", "selector-x", "--optimize-model", "optimizer-x",
                "--queries", queries.toString(), "--depth", "1", "--k", "1", "--train-format", "inference", "--log-dir",
                dir.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals("inference", new ObjectMapper().readTree(dir.resolve("config.json").toFile()).get("train_format")
                .asText());
        assertEquals("inference", new ObjectMapper().readTree(dir.resolve("result.json").toFile()).get("train_format")
                .asText());

        CliRun bad = dro("train", "--base-model", "m.gguf", "--train-format", "chat", "--log-dir", tmp.toString());
        assertEquals(1, bad.code());
        assertEquals("dro: error: trainFormat must be original or inference, but was \"chat\"", bad.err().strip());

        CliRun help = dro("train", "--help");
        assertTrue(help.out().contains("--train-format=FORMAT"), help.out());
        assertTrue(help.out().contains("--no-ret-icl gives it the first k"), help.out());
        assertTrue(help.out().contains("(default: original)"), help.out());
    }
}
