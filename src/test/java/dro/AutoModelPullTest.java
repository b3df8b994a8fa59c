package dro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.compat.OriginalPrompts;
import dro.compat.OriginalRelease;
import dro.Environment;
import dro.hub.HubClient;
import dro.prompt.PromptRegistry;
import dro.prompt.internal.PromptResources;
import dro.testing.FakeHub;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.TestRelease;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AutoModel meets a model the original released a prompt for, with none in the registry: it pulls it once from a
 * loopback server (files written by the test), or answers under the base alignment prompt when it cannot.
 */
class AutoModelPullTest {

    static final String KEY = "sk-dro4j-pull-3c9a";
    static final String PROMPT = "You are a patient assistant. Explain each step, and say plainly what you do not know.";
    static final GenerateOptions NO_ICL = GenerateOptions.builder().optimizedIcl(false).build();

    @TempDir
    Path tmp;

    ScriptedOpenAiServer api;
    FakeHub files;
    String base;
    OriginalRelease release;
    PromptRegistry registry;

    @BeforeEach
    void setUp() {
        api = ScriptedOpenAiServer.start();
        files = FakeHub.start();
        TestRelease r = new TestRelease().run("gpt-3.5-turbo", List.of("gpt-3.5-turbo", "gpt-3.5-turbo-0125"), PROMPT);
        base = r.serve(files);
        release = r.manifest(tmp.resolve("manifest.json"));
        registry = PromptRegistry.builder().userStore(tmp.resolve("prompts")).includeShipped(false).build();
    }

    @AfterEach
    void tearDown() {
        api.close();
        files.close();
    }

    OriginalPrompts puller(String from, boolean offline) {
        return OriginalPrompts.builder().release(release).baseUrl(URI.create(from))
                .hubClient(HubClient.builder().environment(Environment.EMPTY).cacheDir(tmp.resolve("cache"))
                        .offline(offline).build()).build();
    }

    AutoModel.Builder gpt(OriginalPrompts puller) {
        return AutoModel.builder().openAiModel(true).model("gpt-3.5-turbo-0125").apiKey(KEY).baseUrl(api.baseUrl())
                .embeddingCacheDir(tmp.resolve("embeddings")).promptRegistry(registry).originalPrompts(puller);
    }

    @Test
    void aModelTheOriginalReleasedGetsItsPromptPulledOnceAndTheAssembledPromptSaysSo() throws Exception {
        api.respond(ScriptedOpenAiServer.scriptedModel("<START>\nFirst, preheat the oven.\n<END>"));

        try (AutoModel m = gpt(puller(base, false)).build()) {
            assertEquals(PROMPT, m.systemPrompt());
            assertEquals(SystemPromptSource.registry("gpt-3.5-turbo"), m.systemPromptSource());
            AssembledPrompt a = m.assemble("How do I bake bread?", NO_ICL);
            assertEquals(SystemPromptSource.registry("gpt-3.5-turbo"), a.systemPromptSource());
            JsonNode json = new ObjectMapper().readTree(a.toJson());
            assertEquals("registry", json.get("systemPromptSource").get("kind").asText());
            assertEquals("gpt-3.5-turbo", json.get("systemPromptSource").get("detail").asText());
            assertEquals("First, preheat the oven.", m.generate("How do I bake bread?", NO_ICL));
            assertTrue(api.lastRequest().message("system").startsWith(PROMPT), api.lastRequest().message("system"));
        }
        assertEquals(1, files.requests().size());
        assertEquals(PROMPT, registry.byId("gpt-3.5-turbo").orElseThrow().text());

        try (AutoModel again = gpt(puller(base, false)).build()) {
            assertEquals(PROMPT, again.systemPrompt());
        }
        assertEquals(1, files.requests().size(), "the prompt is pulled once");
    }

    @Test
    void aFailedPullLeavesTheBaseAlignmentPromptAndAWarningThatSaysWhyAndHowToPull() {
        String where = files.endpoint() + "/missing";
        String log;
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            try (AutoModel m = gpt(puller(where, false)).build()) {
                assertEquals(PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT), m.systemPrompt());
                assertEquals(SystemPromptSource.BASE, m.systemPromptSource());
                assertEquals(SystemPromptSource.BASE, m.assemble("Hi?", NO_ICL).systemPromptSource());
            }
        } finally {
            System.setErr(original);
        }
        log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("WARN dro.AutoModel - Could not pull the original's optimised prompt for"
                + " gpt-3.5-turbo-0125: data/gpt-3.5-turbo/output.txt was not found (HTTP 404 from " + files.endpoint()
                + " for " + where + "/data/gpt-3.5-turbo/output.txt). Using the base alignment prompt; pull it with:"
                + " dro prompts pull gpt-3.5-turbo"), log);
        assertEquals(List.of(), registry.all());
    }

    @Test
    void offlineNothingIsPulledAndNothingIsAsked() {
        try (AutoModel m = gpt(puller(base, true)).build()) {
            assertEquals(SystemPromptSource.BASE, m.systemPromptSource());
        }
        assertEquals(List.of(), files.requests());
    }

    @Test
    void pullPromptsFalseNeverPullsAndAModelTheOriginalDidNotReleaseIsNotPulled() {
        try (AutoModel m = gpt(puller(base, false)).pullPrompts(false).build()) {
            assertEquals(SystemPromptSource.BASE, m.systemPromptSource());
        }
        try (AutoModel m = gpt(puller(base, false)).model("gpt-4o-mini").build()) {
            assertEquals(SystemPromptSource.BASE, m.systemPromptSource());
        }
        assertEquals(List.of(), files.requests());
    }

    @Test
    void aPromptSourceThatIsNotAnHttpUrlIsRejectedByBuild() {
        InvalidRequestException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidRequestException.class,
                () -> gpt(puller(base, false)).promptSource(URI.create("file:///tmp/DRPO")).build());
        assertEquals("promptSource must be an http(s) URL, but was \"file:///tmp/DRPO\"", e.getMessage());
    }

    @Test
    void theAssembledPromptNamesAGivenPromptAndTheUsersOwn() throws Exception {
        try (AutoModel m = gpt(puller(base, false)).originalPrompts(null).promptRegistry(null)
                .optimizedPrompt("Given.").build()) {
            assertEquals(SystemPromptSource.builder("optimizedPrompt"), m.assemble("Hi?", NO_ICL)
                    .systemPromptSource());
            AssembledPrompt own = m.assemble("Hi?", NO_ICL.toBuilder().userSpecifiedSystemPrompt("Mine.").build());
            assertEquals(SystemPromptSource.USER, own.systemPromptSource());
            JsonNode json = new ObjectMapper().readTree(own.toJson());
            assertEquals(Map.of("kind", "user", "detail", "userSpecifiedSystemPrompt"),
                    new ObjectMapper().convertValue(json.get("systemPromptSource"), Map.class));
            assertEquals(SystemPromptSource.BASE, m.assemble("Hi?", NO_ICL.toBuilder().optimizedPrompt(false)
                    .build()).systemPromptSource());
        }
        java.nio.file.Path file = java.nio.file.Files.writeString(tmp.resolve("mine.txt"), "From a file.\n");
        try (AutoModel m = gpt(puller(base, false)).originalPrompts(null).promptRegistry(null)
                .optimizedPromptFile(file).build()) {
            assertEquals(SystemPromptSource.builder(file.toAbsolutePath().toString()), m.systemPromptSource());
            assertEquals("From a file.", m.systemPrompt());
        }
        dro.prompt.OptimizedPrompt stored = dro.prompt.OptimizedPrompt.of("chef", "Answer like a chef.",
                List.of("gpt-3.5-turbo"), List.of(), "a test", "");
        try (AutoModel m = gpt(puller(base, false)).originalPrompts(null).promptRegistry(null)
                .optimizedPrompt(stored).build()) {
            assertEquals(SystemPromptSource.registry("chef"), m.systemPromptSource(), "a registry's prompt, by id");
            assertEquals("Answer like a chef.", m.systemPrompt());
        }
        assertEquals(List.of(), files.requests(), "a given prompt needs no pull");
        assertEquals("The optimised prompt is given (optimizedPrompt), so nothing looks one up or pulls one:"
                + " promptRegistry, originalPrompts", org.junit.jupiter.api.Assertions.assertThrows(
                        InvalidRequestException.class, () -> gpt(puller(base, false)).optimizedPrompt("Given.")
                                .build()).getMessage());
    }
}
