package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.Environment;
import dro.testing.FakeHub;
import dro.testing.SharedData;
import dro.testing.TinyGguf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dro prompts import/list/show}, and {@code dro generate} with model names, in-process. */
class PromptsCommandTest {

    @TempDir
    Path tmp;

    static CliRun dro(Environment env, String... args) {
        return CliRun.dro(env, args);
    }

    static CliRun dro(String... args) {
        return CliRun.dro(Environment.EMPTY, args);
    }

    String store() {
        return tmp.resolve("store").toString();
    }

    static String nl(String... lines) {
        return String.join(System.lineSeparator(), lines) + System.lineSeparator();
    }

    static String upstreamText(String run) throws Exception {
        return Files.readString(SharedData.upstream().resolve(run).resolve("output.txt"), StandardCharsets.UTF_8);
    }

    @Test
    void importsTheOriginalsDataThenListsAndShowsIt() throws Exception {
        Path upstream = SharedData.upstream();

        CliRun imp = dro("prompts", "import", "--prompts-dir", store(), upstream.toString());

        assertEquals(0, imp.code(), imp.err());
        assertEquals("", imp.err());
        assertEquals(nl(
                "Imported llama2-70b (TheBloke/Llama-2-70B-AWQ) from llama2-70b/output.pkl",
                "Imported llama2-70b-chat (TheBloke/Llama-2-70B-Chat-AWQ) from llama2-70b-chat/output.pkl",
                "Imported llama2-7b (meta-llama/Llama-2-7b-hf) from llama2-7b/output.pkl",
                "Imported llama2-7b-chat-hf (meta-llama/Llama-2-7b-chat-hf) from llama2-7b-chat-hf/output.pkl",
                "Imported llama3-8b (meta-llama/Meta-Llama-3-8B) from llama3-8b/output.pkl",
                "Imported mistral-7b-instruct-v0.1 (mistralai/Mistral-7B-Instruct-v0.1) from"
                        + " mistral-7b-instruct-v0.1/output.pkl",
                "Imported mistral-7b-v0.1 (mistralai/Mistral-7B-v0.1) from mistral-7b-v0.1/output.pkl",
                "Skipped gpt-3.5-turbo: \"./data/gpt-3.5-turbo/output.pkl\": no such file in " + upstream,
                "Skipped gpt-3.5-turbo-0125: \"./data/gpt-3.5-turbo/output.pkl\": no such file in " + upstream,
                "Skipped meta-llama/Meta-Llama-3-8B-Instruct: \"./data/llama3-8b-instruct/output.pkl\": no such file in "
                        + upstream,
                "7 prompts imported into " + store()), imp.out());

        CliRun list = dro("prompts", "list", "--prompts-dir", store());
        String dir = store() + "/optimized/";
        assertEquals(0, list.code(), list.err());
        assertEquals(nl(
                "ID                        MODELS                              ALIASES                   LOCATION",
                "llama2-70b                TheBloke/Llama-2-70B-AWQ            llama2-70b                " + dir
                        + "llama2-70b",
                "llama2-70b-chat           TheBloke/Llama-2-70B-Chat-AWQ       llama2-70b-chat           " + dir
                        + "llama2-70b-chat",
                "llama2-7b                 meta-llama/Llama-2-7b-hf            llama2-7b                 " + dir
                        + "llama2-7b",
                "llama2-7b-chat-hf         meta-llama/Llama-2-7b-chat-hf       llama2-7b-chat-hf         " + dir
                        + "llama2-7b-chat-hf",
                "llama3-8b                 meta-llama/Meta-Llama-3-8B          llama3-8b                 " + dir
                        + "llama3-8b",
                "mistral-7b-instruct-v0.1  mistralai/Mistral-7B-Instruct-v0.1  mistral-7b-instruct-v0.1  " + dir
                        + "mistral-7b-instruct-v0.1",
                "mistral-7b-v0.1           mistralai/Mistral-7B-v0.1           mistral-7b-v0.1           " + dir
                        + "mistral-7b-v0.1"), list.out());

        // show prints the prompt exactly: no trailing line break (the original's prompts have none)
        for (String[] c : new String[][] {{"mistralai/Mistral-7B-v0.1", "mistral-7b-v0.1"},
                {"mistral-7b", "mistral-7b-v0.1"}, {"meta-llama/Llama-2-7b-hf", "llama2-7b"},
                {"TheBloke/Llama-2-70B-Chat-AWQ", "llama2-70b-chat"}, {"llama-3-8b", "llama3-8b"}}) {
            CliRun show = dro("prompts", "show", "--prompts-dir", store(), c[0]);
            assertEquals(0, show.code(), show.err());
            assertEquals(upstreamText(c[1]), show.out(), c[0]);
            assertEquals("", show.err());
        }

        // a GGUF file is recognised by its metadata
        Path gguf = TinyGguf.metadataOnly(tmp.resolve("x.gguf"), Map.of("general.name", "Meta-Llama-3-8B"));
        assertEquals(upstreamText("llama3-8b"), dro("prompts", "show", "--prompts-dir", store(), gguf.toString()).out());

        CliRun unknown = dro("prompts", "show", "--prompts-dir", store(), "meta-llama/Meta-Llama-3-8B-Instruct");
        assertEquals(1, unknown.code());
        assertEquals("", unknown.out());
        assertEquals(nl("dro: error: No optimised prompt is known for \"meta-llama/Meta-Llama-3-8B-Instruct\""
                + " (known: llama2-70b, llama2-70b-chat, llama2-7b, llama2-7b-chat-hf, llama3-8b,"
                + " mistral-7b-instruct-v0.1, mistral-7b-v0.1). The original DRO released one: dro prompts pull"
                + " llama3-8b-instruct"), unknown.err());
    }

    @Test
    void anEmptyStoreSaysHowToFillIt() {
        CliRun list = dro("prompts", "list", "--prompts-dir", store());
        assertEquals(nl("No optimised prompts in " + store() + ". Pull the original's with: dro prompts pull"),
                list.out());
        CliRun show = dro("prompts", "show", "--prompts-dir", store(), "mistral-7b");
        assertEquals(nl("dro: error: No optimised prompt is known for \"mistral-7b\" (the store " + store()
                + " is empty). The original DRO released one: dro prompts pull mistral-7b-v0.1"), show.err());
        CliRun other = dro("prompts", "show", "--prompts-dir", store(), "gpt-4o-mini");
        assertEquals(nl("dro: error: No optimised prompt is known for \"gpt-4o-mini\" (the store " + store()
                + " is empty)"), other.err());
        CliRun none = dro("prompts");
        assertEquals(2, none.code());
        assertTrue(none.err().contains("Missing subcommand: pull [MODEL...], import DIR, list or show MODEL"),
                none.err());
    }

    @Test
    void anImportWithAHostilePickleFailsForItAndKeepsTheRest() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data/evil"));
        Files.write(data.resolve("output.pkl"), dro.testing.PickleBytes.proto(2).global("os", "system")
                .str("id").op(0x85).op('R').stop().bytes());
        Files.createDirectories(tmp.resolve("data/fine"));
        Files.writeString(tmp.resolve("data/fine/output.txt"), "Fine.");

        CliRun r = dro("prompts", "import", "--prompts-dir", store(), tmp.resolve("data").toString());

        assertEquals(1, r.code());
        assertEquals(nl("Imported fine from fine/output.txt", "1 prompt imported into " + store()), r.out());
        assertEquals(nl("dro: error: not imported: evil: Pickle " + data.resolve("output.pkl") + " refers to"
                + " os.system (byte 2), which is not allowed: dro4j reads pickles as plain data and accepts only the"
                + " original DRO's result classes and basic containers"), r.err());
        assertEquals("Fine.", dro("prompts", "show", "--prompts-dir", store(), "fine").out());
    }

    @Test
    void generateResolvesAModelNameWithAProgressBarOnStderrOnly() throws Exception {
        Path gguf = TinyGguf.scripted(tmp.resolve("m.gguf"), "Hi<END>", TinyGguf.CHAT_TEMPLATE, 16384,
                Map.of("general.name", "Mistral-7B-Instruct-v0.1"));
        try (FakeHub hub = FakeHub.start()) {
            hub.add("TheBloke/Mistral-7B-Instruct-v0.1-GGUF", "mistral-7b-instruct-v0.1.Q4_K_M.gguf",
                    Files.readAllBytes(gguf));
            Environment env = Environment.of(Map.of("HF_ENDPOINT", hub.endpoint()));
            dro("prompts", "import", "--prompts-dir", store(), SharedData.upstream().toString());
            String[] common = {"--cache-dir", tmp.resolve("models").toString(), "--prompts-dir", store(),
                    "--max-model-len", "12288", "--threads", "2"};

            CliRun dry = dro(env, concat(new String[] {"generate", "--model", "mistral-7b-instruct", "--no-icl",
                    "--dry-run"}, common, new String[] {"How do I make a cake?"}));

            assertEquals(0, dry.code(), dry.err());
            JsonNode json = new ObjectMapper().readTree(dry.out());
            assertEquals(upstreamText("mistral-7b-instruct-v0.1"), json.get("system").asText());
            Path cached = tmp.resolve("models/TheBloke/Mistral-7B-Instruct-v0.1-GGUF/main/"
                    + "mistral-7b-instruct-v0.1.Q4_K_M.gguf");
            assertTrue(dry.err().startsWith("Downloading hf://TheBloke/Mistral-7B-Instruct-v0.1-GGUF/"
                    + "mistral-7b-instruct-v0.1.Q4_K_M.gguf ("), dry.err());
            assertTrue(dry.err().contains("\r[##############################] 100%"), dry.err());
            assertTrue(dry.err().endsWith(nl("Saved " + cached)), dry.err());

            CliRun answer = dro(env, concat(new String[] {"generate", "--model", "mistralai/Mistral-7B-Instruct-v0.1",
                    "--offline", "--temperature", "0", "--num-icl", "1"}, common, new String[] {"Hi?"}));
            assertEquals(0, answer.code(), answer.err());
            assertEquals(nl("Hi"), answer.out());
            assertEquals("", answer.err(), "a cached model prints no progress");
            assertEquals(2, hub.requests().size());
        }
    }

    @Test
    void generateOfflineWithoutTheModelSaysWhy() {
        CliRun r = dro(Environment.of(Map.of("DRO4J_OFFLINE", "1")), "generate", "--model", "llama-2-7b",
                "--cache-dir", tmp.resolve("models").toString(), "Hi?");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals(nl("dro: error: Offline mode (DRO4J_OFFLINE=1) forbids downloading"
                + " hf://TheBloke/Llama-2-7B-GGUF/llama-2-7b.Q4_K_M.gguf, and it is not in the model cache at "
                + tmp.resolve("models/TheBloke/Llama-2-7B-GGUF/main/llama-2-7b.Q4_K_M.gguf") + ". Download it once"
                + " without offline mode, or give the path of a local GGUF file."), r.err());
    }

    /** A mirror of the original repository on loopback, serving the shared copy of the original's files of runs. */
    static FakeHub mirror(String... runs) throws Exception {
        FakeHub mirror = FakeHub.start();
        for (String run : runs) {
            for (String f : new String[] {"output.pkl", "output.txt", "output.json"}) {
                mirror.addRaw("/DRPO/data/" + run + "/" + f,
                        Files.readAllBytes(SharedData.upstream().resolve(run).resolve(f)));
            }
        }
        return mirror;
    }

    static final String PULLED_FROM = " from Singla17/DRPO at c47e29077f2f7ec06fb2743ed7d8446dfec27bcd (Apache-2.0)";

    @Test
    void pullThenShowPrintsTheOriginalsPromptAndASecondPullAsksNothing() throws Exception {
        try (FakeHub mirror = mirror("mistral-7b-v0.1")) {
            Environment env = Environment.of(Map.of("DRO4J_PROMPTS_URL", mirror.endpoint() + "/DRPO"));
            String[] pull = {"prompts", "pull", "--prompts-dir", store(), "--cache-dir", tmp.resolve("cache").toString(),
                    "mistral-7b"};

            CliRun r = dro(env, pull);

            assertEquals(0, r.code(), r.err());
            assertEquals(nl("Pulled mistral-7b-v0.1 (mistralai/Mistral-7B-v0.1)",
                    "1 of 1 run imported into " + store() + PULLED_FROM), r.out());
            String host = mirror.endpoint().substring("http://".length());
            assertEquals(nl("Downloading data/mistral-7b-v0.1/output.pkl (667.23 KiB) from " + host,
                    "Downloading data/mistral-7b-v0.1/output.txt (2.68 KiB) from " + host,
                    "Downloading data/mistral-7b-v0.1/output.json (110.55 KiB) from " + host), r.err());
            CliRun show = dro("prompts", "show", "--prompts-dir", store(), "mistral-7b");
            assertEquals(upstreamText("mistral-7b-v0.1"), show.out());
            JsonNode meta = new ObjectMapper().readTree(tmp.resolve("store/optimized/mistral-7b-v0.1/meta.json")
                    .toFile());
            assertEquals("Singla17/DRPO (https://github.com/Singla17/DRPO) at commit"
                    + " c47e29077f2f7ec06fb2743ed7d8446dfec27bcd, Apache-2.0: data/mistral-7b-v0.1/output.pkl (SHA-256"
                    + " checked)", meta.get("source").asText());
            assertEquals(3, mirror.requests().size());

            CliRun again = dro(env, pull);
            assertEquals(0, again.code(), again.err());
            assertEquals("", again.err());
            assertEquals(3, mirror.requests().size(), "the second pull is served by the cache");
        }
    }

    @Test
    void aTamperedFileIsAnErrorThatNamesItAndTheExitCodeSaysSo() throws Exception {
        try (FakeHub mirror = mirror("llama3-8b", "llama2-7b")) {
            mirror.addRaw("/DRPO/data/llama2-7b/output.pkl", "not the original".getBytes(StandardCharsets.UTF_8));
            mirror.addRaw("/DRPO/data/llama2-7b/output.txt", "Do as you are told.".getBytes(StandardCharsets.UTF_8));
            mirror.addRaw("/DRPO/data/llama2-7b/output.json", "{}".getBytes(StandardCharsets.UTF_8));
            mirror.addRaw("/DRPO/data/llama3-8b/output.pkl", "cos\nsystem\n.".getBytes(StandardCharsets.UTF_8));

            CliRun r = dro(Environment.EMPTY, "prompts", "pull", "--prompts-dir", store(), "--cache-dir",
                    tmp.resolve("cache").toString(), "--from", mirror.endpoint() + "/DRPO", "llama3-8b",
                    "meta-llama/Llama-2-7b-hf");

            assertEquals(1, r.code());
            assertEquals(nl("Pulled llama3-8b (meta-llama/Meta-Llama-3-8B)",
                    "1 of 2 runs imported into " + store() + PULLED_FROM), r.out());
            assertTrue(r.err().contains(nl("dro: error: data/llama2-7b/output.txt: data/llama2-7b/output.txt failed"
                    + " its SHA-256 check: the server sends 19 bytes, but a file of 2085 bytes is pinned; nothing was"
                    + " kept")), r.err());
            assertEquals(3, r.err().lines().filter(l -> l.startsWith("dro: error: data/llama2-7b/")).count(), r.err());
            assertTrue(r.err().contains(nl("dro: error: data/llama3-8b/output.pkl: data/llama3-8b/output.pkl failed"
                    + " its SHA-256 check: the server sends 12 bytes, but a file of 526730 bytes is pinned; nothing was"
                    + " kept")), r.err());
            assertEquals(4, r.err().lines().filter(l -> l.startsWith("dro: error: ")).count(), r.err());
            assertEquals(List.of("llama3-8b"), Files.list(tmp.resolve("store/optimized")).map(p -> p.getFileName()
                    .toString()).toList());
            // the run still imports from its files that passed, and says which
            assertEquals(upstreamText("llama3-8b"), dro("prompts", "show", "--prompts-dir", store(), "llama3-8b").out());
            JsonNode meta = new ObjectMapper().readTree(tmp.resolve("store/optimized/llama3-8b/meta.json").toFile());
            assertTrue(meta.get("source").asText().endsWith(": data/llama3-8b/output.txt (SHA-256 checked)"),
                    meta.toString());
        }
    }

    @Test
    void pullingAModelTheOriginalDidNotReleaseListsWhatItReleased() {
        CliRun r = dro(Environment.of(Map.of("DRO4J_OFFLINE", "1")), "prompts", "pull", "--prompts-dir", store(),
                "gpt-4o");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("dro: error: The original released no optimised prompt for \"gpt-4o\"; it"
                + " released: gpt-3.5-turbo (gpt-3.5-turbo, gpt-3.5-turbo-0125); "), r.err());
    }

    @Test
    void generateOnFirstUsePullsTheOriginalsPromptAndTheDryRunNamesIt() throws Exception {
        Path gguf = TinyGguf.scripted(tmp.resolve("m.gguf"), "Hi<END>", TinyGguf.CHAT_TEMPLATE, 16384,
                Map.of("general.name", "Mistral-7B-Instruct-v0.1"));
        try (FakeHub hub = FakeHub.start(); FakeHub mirror = mirror("mistral-7b-instruct-v0.1")) {
            hub.add("TheBloke/Mistral-7B-Instruct-v0.1-GGUF", "mistral-7b-instruct-v0.1.Q4_K_M.gguf",
                    Files.readAllBytes(gguf));
            Environment env = Environment.of(Map.of("HF_ENDPOINT", hub.endpoint(), "DRO4J_PROMPTS_URL",
                    mirror.endpoint() + "/DRPO"));

            CliRun dry = dro(env, "generate", "--model", "mistral-7b-instruct", "--no-icl", "--dry-run",
                    "--cache-dir", tmp.resolve("models").toString(), "--prompts-dir", store(), "--max-model-len",
                    "12288", "--threads", "2", "How do I make a cake?");

            assertEquals(0, dry.code(), dry.err());
            JsonNode json = new ObjectMapper().readTree(dry.out());
            assertEquals(upstreamText("mistral-7b-instruct-v0.1"), json.get("system").asText());
            assertEquals("registry", json.get("systemPromptSource").get("kind").asText());
            assertEquals("mistral-7b-instruct-v0.1", json.get("systemPromptSource").get("detail").asText());
            assertTrue(dry.err().contains("Downloading data/mistral-7b-instruct-v0.1/output.pkl ("), dry.err());
            assertEquals(3, mirror.requests().size());
        }
    }

    static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
