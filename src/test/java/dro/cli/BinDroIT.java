package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.TestModels;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The packaged jar as a user meets it: the bin/dro script and the runnable examples, in fresh JVMs. */
class BinDroIT {

    record Result(int code, String out, String err) { }

    static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, "");
    }

    static Result run(List<String> command, String javaOpts) throws IOException, InterruptedException {
        return run(command, javaOpts, Map.of());
    }

    /** Runs with {@code env} added to the environment; a null value removes the variable. */
    static Result run(List<String> command, String javaOpts, Map<String, String> env)
            throws IOException, InterruptedException {
        return run(Path.of(System.getProperty("user.dir")), command, javaOpts, env);
    }

    /**
     * Runs in {@code directory}. bin/dro runs the JDK under test (its {@code JAVA}), and so does the Maven wrapper
     * should it build ({@code JAVA_HOME}).
     */
    static Result run(Path directory, List<String> command, String javaOpts, Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(directory.toFile());
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("DRO_JAVA_OPTS", "-Ddro4j.cache.dir=" + System.getProperty("dro4j.cache.dir")
                + " -Ddro4j.config.dir=" + System.getProperty("dro4j.config.dir") + " " + javaOpts);
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Path out = File.createTempFile("dro-out", ".txt").toPath();
        Path err = File.createTempFile("dro-err", ".txt").toPath();
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        Result r = new Result(p.exitValue(), java.nio.file.Files.readString(out, StandardCharsets.UTF_8),
                java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
        java.nio.file.Files.delete(out);
        java.nio.file.Files.delete(err);
        return r;
    }

    static List<String> dro(String... args) {
        List<String> c = new ArrayList<>(List.of("sh", "bin/dro"));
        c.addAll(List.of(args));
        return c;
    }

    @Test
    void binDroPrintsOnlyTheAnswerOnStdout() throws Exception {
        Result r = run(dro("generate", "--model", TestModels.scriptedChat().toString(), "--max-model-len", "12288",
                "--temperature", "0", "--num-icl", "1", "How are you?"));
        assertEquals(0, r.code(), r.err());
        assertEquals("Hi\n", r.out(), "stdout holds the answer and nothing else");
        assertEquals("", r.err(), "nothing on stderr by default either");
    }

    @Test
    void binDroRebuildsWhenASourceFileIsNewerThanTheJarSaysSoAndAfterwardsRunsWithoutBuilding(
            @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        // A checkout as after a git pull: the sources, the jar of an earlier build, one source file changed since.
        Path root = Path.of(System.getProperty("user.dir"));
        Path checkout = tmp.resolve("checkout");
        for (String f : List.of("pom.xml", "mvnw", ".mvn", "bin", "src", "prompts", "data")) {
            copyTree(root.resolve(f), checkout.resolve(f));
        }
        Path jar = Path.of(System.getProperty("project.jar"));
        java.nio.file.Files.createDirectories(checkout.resolve("target/lib"));
        java.nio.file.Files.copy(jar, checkout.resolve("target").resolve(jar.getFileName()),
                java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        java.nio.file.Files.setLastModifiedTime(checkout.resolve("src/main/java/dro/cli/Main.java"),
                java.nio.file.attribute.FileTime.from(java.time.Instant.now()));
        List<String> version = List.of("sh", "bin/dro", "--version");

        Result rebuilt = run(checkout, version, "", Map.of());
        Result again = run(checkout, version, "", Map.of());

        assertEquals(0, rebuilt.code(), rebuilt.err());
        // (Maven itself may add JDK warnings of its own after the line.)
        assertTrue(rebuilt.err().startsWith(
                "dro: rebuilding dro4j (src/main/java/dro/cli/Main.java is newer than the jar) ...\n"), rebuilt.err());
        assertEquals("dro4j " + System.getProperty("project.version") + "\n", rebuilt.out());
        assertEquals(0, again.code(), again.err());
        assertEquals("", again.err(), "nothing changed since: no build, no message");
        assertEquals(rebuilt.out(), again.out());
    }

    /** Copies a file or a directory tree, keeping modification times. */
    static void copyTree(Path from, Path to) throws IOException {
        try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (java.nio.file.Files.isDirectory(p)) {
                    java.nio.file.Files.createDirectories(target);
                } else {
                    java.nio.file.Files.createDirectories(target.getParent());
                    java.nio.file.Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    @Test
    void loadingTheNativeLibraryLeavesTheUsersTempFilesAlone(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        // de.kherud:llama's loader deletes files named llama* / jllama* in its temp directory
        Path mine = java.nio.file.Files.writeString(tmp.resolve("llama-notes.txt"), "keep me");
        Path lib = java.nio.file.Files.writeString(tmp.resolve("jllama-backup.so"), "keep me too");
        Result r = run(dro("generate", "--model", TestModels.scriptedBase().toString(), "--no-icl", "--temperature",
                "0", "Hi?"), "-Djava.io.tmpdir=" + tmp);
        assertEquals(0, r.code(), r.err());
        assertEquals("keep me", java.nio.file.Files.readString(mine));
        assertEquals("keep me too", java.nio.file.Files.readString(lib));
    }

    @Test
    void binDroImportsTheOriginalsPromptsAndShowsOneByteForByte(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        Path upstream = dro.testing.SharedData.upstream();
        Result imp = run(dro("prompts", "import", "--prompts-dir", tmp.toString(), upstream.toString()));
        assertEquals(0, imp.code(), imp.err());

        Result show = run(dro("prompts", "show", "--prompts-dir", tmp.toString(), "mistralai/Mistral-7B-v0.1"));
        assertEquals(0, show.code(), show.err());
        assertEquals(java.nio.file.Files.readString(upstream.resolve("mistral-7b-v0.1/output.txt")), show.out());
        assertEquals("", show.err());
    }

    @Test
    void binDroDryRunPrintsJson() throws Exception {
        Result r = run(dro("generate", "--model", TestModels.scriptedBase().toString(), "--no-icl", "--dry-run",
                "What is 2+2?"));
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("# Query:\nWhat is 2+2?\n\n# Answer:\n<START>", json.get("user").asText());
        assertEquals(json.get("system").asText() + "\n\n" + json.get("user").asText(), json.get("prompt").asText());
    }

    @Test
    void binDroReportsBadInputOnStderrWithExitCodeOne() throws Exception {
        Result r = run(dro("generate", "--model", "/nonexistent.gguf", "Hi?"));
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals("dro: error: Model file not found: /nonexistent.gguf\n", r.err());
    }

    @Test
    void examplesRunAgainstAModel() throws Exception {
        String cp = System.getProperty("project.jar") + File.pathSeparator + "target/lib/*";
        for (String example : List.of("OptimizedPromptExample", "CustomSystemPromptExample", "StreamingExample",
                "LangChain4jExample", "SpringBootExample")) {
            Result r = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Ddro4j.cache.dir=" + System.getProperty("dro4j.cache.dir"), "-cp", cp,
                    "examples/" + example + ".java", TestModels.scriptedChat().toString(), "12288"));
            assertEquals(0, r.code(), example + ": " + r.err());
            assertTrue(r.out().startsWith("Hi\n"), example + " printed " + r.out());
        }
    }

    @Test
    void thePrefixReuseExampleEvaluatesFewerPromptTokensWithTheReuseOptions() throws Exception {
        String cp = System.getProperty("project.jar") + File.pathSeparator + "target/lib/*";
        Result r = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Ddro4j.cache.dir=" + System.getProperty("dro4j.cache.dir"), "-cp", cp,
                "examples/PrefixReuseExample.java", TestModels.scriptedChat().toString(), "8192", "2"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Hi\nHi\nHi\nHi\nHi\nHi\n"), r.out());
        Matcher m = Pattern.compile(
                "original order: evaluated (\\d+) of (\\d+) prompt tokens \\(\\d+%\\)\n"
                        + "iclOrder\\(FILE\\) \\+ groupSharedPrefixes: evaluated (\\d+) of (\\d+) prompt tokens"
                        + " \\(\\d+%\\)\n$").matcher(r.out());
        assertTrue(m.find(), r.out());
        long original = Long.parseLong(m.group(1));
        long reused = Long.parseLong(m.group(3));
        assertEquals(m.group(2), m.group(4), "the same examples in another order: as many prompt tokens");
        assertTrue(reused < original, r.out());
    }

    // ---- OpenAI-compatible endpoints: the scripted server on 127.0.0.1 plays the endpoint ----

    static final String KEY = "sk-dro4j-bin-IT-93be5f0c";

    static Map<String, String> openAiEnv(ScriptedOpenAiServer server) {
        // OPENAI_LOG would make openai-java print requests and headers on stdout; dro4j turns that off
        return Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", server.baseUrl(), "OPENAI_LOG", "debug");
    }

    @Test
    void binDroGeneratesThroughAnOpenAiCompatibleEndpointAndNeverLogsTheKey() throws Exception {
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()) {
            Result r = run(dro("generate", "--openai", "--model", "test-model", "--no-icl", "-vv", "How are you?"),
                    "", openAiEnv(server));
            assertEquals(0, r.code(), r.err());
            assertEquals("Hi\n", r.out(), "stdout holds the answer and nothing else");
            assertTrue(r.err().contains("POST " + server.baseUrl() + "/chat/completions"), r.err());
            assertTrue(!r.err().contains(KEY), r.err());
            ScriptedOpenAiServer.Request request = server.lastRequest();
            assertEquals("Bearer " + KEY, request.header("Authorization"));
            assertEquals("test-model", request.model());
            assertEquals("# Query:\nHow are you?\n\n# Answer:\n<START>", request.message("user"));
        }
    }

    @Test
    void binDroPromptsPullThenShowPrintsTheOriginalsPromptFromAMirror() throws Exception {
        Path upstream = dro.testing.SharedData.upstream();
        Path tmp = java.nio.file.Files.createTempDirectory("dro-pull");
        try (dro.testing.FakeHub mirror = dro.testing.FakeHub.start()) {
            for (String f : new String[] {"output.pkl", "output.txt", "output.json"}) {
                mirror.addRaw("/DRPO/data/mistral-7b-v0.1/" + f,
                        java.nio.file.Files.readAllBytes(upstream.resolve("mistral-7b-v0.1").resolve(f)));
            }
            Map<String, String> env = Map.of("DRO4J_PROMPTS_URL", mirror.endpoint() + "/DRPO");
            String store = tmp.resolve("store").toString();

            Result pull = run(dro("prompts", "pull", "--prompts-dir", store, "--cache-dir",
                    tmp.resolve("cache").toString(), "mistral-7b"), "", env);
            Result show = run(dro("prompts", "show", "--prompts-dir", store, "mistral-7b"));

            assertEquals(0, pull.code(), pull.err());
            assertEquals("Pulled mistral-7b-v0.1 (mistralai/Mistral-7B-v0.1)\n1 of 1 run imported into " + store
                    + " from Singla17/DRPO at c47e29077f2f7ec06fb2743ed7d8446dfec27bcd (Apache-2.0)\n", pull.out());
            assertEquals(0, show.code(), show.err());
            assertEquals(java.nio.file.Files.readString(upstream.resolve("mistral-7b-v0.1/output.txt"),
                    StandardCharsets.UTF_8), show.out());
            assertEquals(3, mirror.requests().size());
        }
    }

    @Test
    void binDroOpenAiDryRunPrintsTheMessagesAsThePrompt() throws Exception {
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()) {
            Result r = run(dro("generate", "--openai", "--model", "test-model", "--no-icl", "--dry-run",
                    "What is 2+2?"), "", openAiEnv(server));
            assertEquals(0, r.code(), r.err());
            JsonNode json = new ObjectMapper().readTree(r.out());
            JsonNode messages = new ObjectMapper().readTree(json.get("prompt").asText());
            assertEquals("system", messages.get(0).get("role").asText());
            assertEquals(json.get("system").asText(), messages.get(0).get("content").asText());
            assertEquals("user", messages.get(1).get("role").asText());
            assertEquals("# Query:\nWhat is 2+2?\n\n# Answer:\n<START>", messages.get(1).get("content").asText());
            assertEquals(List.of(), server.requests());
        }
    }

    @Test
    void binDroReportsWhatTheEndpointAnsweredWithoutTheKey() throws Exception {
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()) {
            server.enqueue(ScriptedOpenAiServer.Reply.error(401, "Incorrect API key provided: " + KEY));
            Result r = run(dro("generate", "--openai", "--model", "test-model", "--no-icl", "Hi?"), "",
                    openAiEnv(server));
            assertEquals(1, r.code());
            assertEquals("", r.out());
            assertEquals("dro: error: HTTP 401 from " + server.baseUrl() + " (model \"test-model\"): Incorrect API"
                    + " key provided: [redacted]\n", r.err());
        }
    }

    @Test
    void aReasoningModelGetsMaxCompletionTokensAndNoSampling() throws Exception {
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()) {
            Result r = run(dro("generate", "--openai", "--reasoning-model", "--model", "o3-mini", "--no-icl",
                    "--max-new-tokens", "2000", "Hi?"), "", openAiEnv(server));
            assertEquals(0, r.code(), r.err());
            JsonNode body = server.lastRequest().json();
            assertEquals(2000, body.path("max_completion_tokens").asInt(), body.toString());
            assertTrue(body.path("max_tokens").isMissingNode() && body.path("temperature").isMissingNode()
                    && body.path("top_p").isMissingNode(), body.toString());
        }
        Result local = run(dro("generate", "--reasoning-model", "--model", TestModels.scriptedChat().toString(),
                "Hi?"), "", Map.of());
        assertEquals(1, local.code());
        assertTrue(local.err().contains("cannot honour settings for OpenAI-compatible models (set openAiModel(true)"
                + " for those): reasoningModel true"), local.err());
    }

    @Test
    void binDroNamesTheMissingKeyVariable() throws Exception {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("OPENAI_API_KEY", null);
        env.put("OPENAI_BASE_URL", "http://127.0.0.1:9/v1");
        Result r = run(dro("generate", "--openai", "--model", "test-model", "Hi?"), "", env);
        assertEquals(1, r.code());
        assertEquals("dro: error: The environment variable OPENAI_API_KEY is not set: set it to the endpoint's API"
                + " key (any non-empty value for a server that needs none), or give apiKey(...)\n", r.err());
    }

    @Test
    void theOpenAiExampleRunsAgainstAnEndpoint() throws Exception {
        String cp = System.getProperty("project.jar") + File.pathSeparator + "target/lib/*";
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()) {
            server.respond(ScriptedOpenAiServer.scriptedModel("An answer.<END>"));
            Result r = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Ddro4j.cache.dir=" + System.getProperty("dro4j.cache.dir"), "-cp", cp,
                    "examples/OpenAiExample.java", "test-model"), "", openAiEnv(server));
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().startsWith("An answer.\nAn answer.\n["), r.out());
            assertTrue(r.out().endsWith("STOP]\nAn answer.\nAn answer.\n"), r.out());
            assertEquals(4, server.requests().size());
        }
    }

    @Test
    void theSpringBootEndpointExampleAnswersThroughDroAdvisorOnSpringAisOpenAiModel() throws Exception {
        String cp = String.join(File.pathSeparator, System.getProperty("project.jar"), "target/lib/*",
                "target/spring-ai-openai/*");
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()) {
            server.respond(ScriptedOpenAiServer.scriptedModel("An answer.<END>"));
            Result r = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Ddro4j.cache.dir=" + System.getProperty("dro4j.cache.dir"),
                    "-Ddro4j.config.dir=" + System.getProperty("dro4j.config.dir"), "-cp", cp,
                    "examples/SpringBootEndpointExample.java", "test-model"), "",
                    Map.of("OPENAI_API_KEY", KEY, "OPENAI_BASE_URL", server.baseUrl()));
            assertEquals(0, r.code(), r.err());
            List<String> lines = r.out().lines().toList();
            assertEquals(3, lines.size(), r.out());
            assertEquals("An answer.", lines.get(0), "the call's answer, cleaned");
            assertTrue(lines.get(1).startsWith("[prompt: base base alignment prompt; examples: [")
                    && lines.get(1).endsWith("]]"), lines.get(1));
            assertEquals("An answer.", lines.get(2), "the stream's pieces");
            assertEquals(2, server.requests().size());
            ScriptedOpenAiServer.Request call = server.requests().get(0);
            assertEquals("Bearer " + KEY, call.header("Authorization"));
            assertEquals("test-model", call.model());
            assertTrue(call.message("system").startsWith("You are a knowledgeable"), call.message("system"));
            assertEquals(2, call.message("system").split("\n\n#Query:\n", -1).length - 1, "two in-context examples");
            assertEquals("# Query:\nGive me one tip for better sleep.\n\n# Answer:\n<START>", call.message("user"));
            ScriptedOpenAiServer.Request stream = server.requests().get(1);
            assertTrue(stream.stream());
            assertTrue(stream.message("system").startsWith("Answer in one sentence.\n"), stream.message("system"));
            assertEquals("# Query:\nWhy is the sky blue?\n\n# Answer:\n<START>", stream.message("user"));
        }
    }

    @Test
    void binDroServesAnEndpointThroughDroAndTheServeClientExampleTalksToIt() throws Exception {
        String cp = System.getProperty("project.jar") + File.pathSeparator + "target/lib/*";
        try (ScriptedOpenAiServer server = ScriptedOpenAiServer.start()) {
            server.respond(ScriptedOpenAiServer.scriptedModel("Served.<END>"));
            Path err = File.createTempFile("dro-serve-err", ".txt").toPath();
            ProcessBuilder pb = new ProcessBuilder(dro("serve", "--upstream-model", "test-model", "--port", "0",
                    "--num-icl", "0")).directory(new File(System.getProperty("user.dir")));
            pb.environment().putAll(openAiEnv(server));
            pb.environment().put("DRO_JAVA_OPTS", "-Ddro4j.cache.dir=" + System.getProperty("dro4j.cache.dir")
                    + " -Ddro4j.config.dir=" + System.getProperty("dro4j.config.dir"));
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile());
            Process serve = pb.start();
            try {
                String port = null;
                for (int i = 0; i < 1200 && port == null && serve.isAlive(); i++) {
                    Matcher m = Pattern.compile("at http://127\\.0\\.0\\.1:(\\d+)/v1")
                            .matcher(java.nio.file.Files.readString(err));
                    if (m.find()) {
                        port = m.group(1);
                    } else {
                        Thread.sleep(50);
                    }
                }
                assertTrue(port != null, java.nio.file.Files.readString(err));
                Result r = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                        "examples/ServeClientExample.java", "http://127.0.0.1:" + port + "/v1", "test-model"));
                assertEquals(0, r.code(), r.err());
                assertTrue(r.out().startsWith("Served.\nServed.\n["), r.out());
                assertTrue(r.out().endsWith("completion tokens]\nServed.\n"), r.out());
                assertEquals(3, server.requests().size());
                serve.destroy(); // SIGTERM: drain, then exit 0
                assertTrue(serve.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, serve.exitValue(), java.nio.file.Files.readString(err));
                String log = java.nio.file.Files.readString(err);
                assertTrue(log.contains("POST /v1/chat/completions 200 model=test-model"), log);
                assertTrue(!log.contains(KEY), "the upstream key is never logged");
            } finally {
                if (serve.isAlive()) {
                    serve.destroyForcibly();
                }
                java.nio.file.Files.deleteIfExists(err);
            }
        }
    }

    /**
     * README's Serve section as a user runs it: its {@code bin/dro serve} command (the model name resolved through a
     * loopback hub, the prompt from the original's release imported first), its curl command as written, and its
     * Java snippet in a program of its own. One flag is added to the serve command: the test model's vocabulary is
     * bytes, so DRO's prompt with its examples is about four times as many tokens as for Mistral, beyond the default
     * context of 4096.
     */
    @Test
    void readmesServeCommandsRunAsShown(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        String section = java.nio.file.Files.readString(Path.of("README.md")).split("\n## Serve\n", 2)[1]
                .split("\n## ", 2)[0];
        Matcher sh = Pattern.compile("```sh\n(.*?)```", Pattern.DOTALL).matcher(section);
        assertTrue(sh.find(), "no sh block in README's Serve section");
        List<String> lines = List.of(sh.group(1).replace("\\\n", "").split("\n"));
        String serveLine = lines.get(0);
        String curlLine = lines.stream().filter(l -> l.startsWith("curl ")).findFirst().orElseThrow();
        assertEquals("bin/dro serve --model mistral-7b-instruct --parallel-slots 4", serveLine);
        Matcher javaBlock = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(section);
        assertTrue(javaBlock.find(), "no java block in README's Serve section");

        Path gguf = dro.testing.TinyGguf.scripted(tmp.resolve("m.gguf"), "Hi<END>", dro.testing.TinyGguf.CHAT_TEMPLATE,
                16384, Map.of("general.name", "Mistral-7B-Instruct-v0.1"));
        String opts = "-Ddro4j.cache.dir=" + tmp.resolve("cache") + " -Ddro4j.config.dir=" + tmp.resolve("config");
        try (dro.testing.FakeHub hub = dro.testing.FakeHub.start()) {
            hub.add("TheBloke/Mistral-7B-Instruct-v0.1-GGUF", "mistral-7b-instruct-v0.1.Q4_K_M.gguf",
                    java.nio.file.Files.readAllBytes(gguf));
            Map<String, String> env = Map.of("HF_ENDPOINT", hub.endpoint());
            Result imported = run(dro("prompts", "import", dro.testing.SharedData.upstream().toString()), opts, env);
            assertEquals(0, imported.code(), imported.err());

            Path err = tmp.resolve("serve-err.txt");
            List<String> command = new ArrayList<>(List.of("sh"));
            command.addAll(List.of(serveLine.split(" ")));
            command.addAll(List.of("--max-model-len", "12288"));
            ProcessBuilder pb = new ProcessBuilder(command).directory(new File(System.getProperty("user.dir")));
            pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            pb.environment().put("DRO_JAVA_OPTS", opts);
            pb.environment().putAll(env);
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile());
            Process serve = pb.start();
            try {
                boolean up = false;
                for (int i = 0; i < 2400 && !up && serve.isAlive(); i++) {
                    up = java.nio.file.Files.readString(err).contains("at http://127.0.0.1:8080/v1");
                    if (!up) {
                        Thread.sleep(50);
                    }
                }
                assertTrue(up, "README's port 8080: " + java.nio.file.Files.readString(err));

                Result curl = run(List.of("sh", "-c", curlLine));
                assertEquals(0, curl.code(), curl.err());
                JsonNode answer = new ObjectMapper().readTree(curl.out());
                assertEquals("Hi", answer.get("choices").get(0).get("message").get("content").asText(), curl.out());
                assertEquals("mistral-7b-instruct", answer.get("model").asText());

                Path program = tmp.resolve("ReadmeServeClient.java");
                java.nio.file.Files.writeString(program, "import com.openai.client.OpenAIClient;\n"
                        + "import com.openai.client.okhttp.OpenAIOkHttpClient;\n"
                        + "import com.openai.models.chat.completions.ChatCompletionCreateParams;\n"
                        + "public class ReadmeServeClient {\n    public static void main(String[] args) {\n"
                        + javaBlock.group(1) + "        System.out.println(answer);\n        client.close();\n    }\n}\n");
                String cp = System.getProperty("project.jar") + File.pathSeparator + "target/lib/*";
                Result client = run(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                        cp, program.toString()));
                assertEquals(0, client.code(), client.err());
                assertEquals("Hi\n", client.out());

                serve.destroy(); // SIGTERM: drain, then exit 0
                assertTrue(serve.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, serve.exitValue(), java.nio.file.Files.readString(err));
                String log = java.nio.file.Files.readString(err);
                assertTrue(log.contains("POST /v1/chat/completions 200 model=mistral-7b-instruct"), log);
            } finally {
                if (serve.isAlive()) {
                    serve.destroyForcibly();
                }
            }
        }
    }
}
