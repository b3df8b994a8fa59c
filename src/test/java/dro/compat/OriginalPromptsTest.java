package dro.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.InvalidRequestException;
import dro.Environment;
import dro.hub.HubClient;
import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptStore;
import dro.testing.FakeHub;
import dro.testing.TestRelease;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulling released prompts over real HTTP from a loopback server that serves files the test wrote. */
class OriginalPromptsTest {

    static final String ALPHA = "You are Alpha's careful assistant. Answer in full, kindly and truthfully.";
    static final String BETA = "Beta answers briefly and says when it does not know.";
    static final String SOURCE_PREFIX = "someone/original (https://github.com/someone/original) at commit "
            + TestRelease.COMMIT + ", Apache-2.0: ";

    @TempDir
    Path tmp;

    FakeHub server;
    TestRelease release;
    String base;
    OriginalRelease manifest;

    @BeforeEach
    void setUp() {
        server = FakeHub.start();
        release = new TestRelease().run("alpha-7b", List.of("owner/Alpha-7B"), ALPHA)
                .run("beta-chat", List.of("owner/Beta-Chat", "beta-chat-0125"), BETA);
        base = release.serve(server);
        manifest = release.manifest(tmp.resolve("manifest.json"));
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    HubClient.Builder hub() {
        return HubClient.builder().environment(Environment.EMPTY).cacheDir(tmp.resolve("cache"))
                .retryBackoff(Duration.ZERO);
    }

    OriginalPrompts puller(HubClient hub) {
        return OriginalPrompts.builder().release(manifest).baseUrl(URI.create(base)).hubClient(hub)
                .store(store()).build();
    }

    PromptStore store() {
        return PromptStore.at(tmp.resolve("store"));
    }

    @Test
    void pullsEveryRunChecksItAndRecordsTheRepositoryCommitAndLicense() throws Exception {
        OriginalPrompts.Result r = puller(hub().build()).pull(List.of());

        assertEquals(List.of(), r.failures());
        assertTrue(r.ok());
        assertEquals(List.of("alpha-7b", "beta-chat"), r.imported().stream().map(OptimizedPrompt::id).toList());
        assertEquals(ALPHA, store().get("alpha-7b").orElseThrow().text());
        assertEquals(BETA, store().get("beta-chat").orElseThrow().text());
        assertEquals(List.of("owner/Beta-Chat", "beta-chat-0125"), store().get("beta-chat").orElseThrow().models());
        JsonNode meta = new ObjectMapper().readTree(store().directory("alpha-7b").resolve("meta.json").toFile());
        assertEquals(SOURCE_PREFIX + "data/alpha-7b/output.txt (SHA-256 checked)", meta.get("source").asText());
        assertEquals(List.of("/DRPO/data/alpha-7b/output.txt", "/DRPO/data/beta-chat/output.txt"),
                server.requests().stream().map(FakeHub.Request::path).toList());
        try (Stream<Path> s = Files.list(tmp.resolve("cache/pinned"))) {
            assertEquals(2, s.count(), "two cached files and no staging directory left behind");
        }
    }

    @Test
    void aSecondPullAsksNothingOfTheNetwork() {
        puller(hub().build()).pull(List.of());
        assertEquals(2, server.requests().size());

        OriginalPrompts.Result again = puller(hub().build()).pull(List.of("owner/Alpha-7B", "beta-chat-0125"));

        assertTrue(again.ok(), again.toString());
        assertEquals(2, again.imported().size());
        assertEquals(2, server.requests().size());
    }

    @Test
    void aTamperedFileIsNamedNothingFromItIsStoredAndTheOtherRunsImport() {
        byte[] tampered = BETA.replace("briefly", "falsely").getBytes(StandardCharsets.UTF_8); // the same size
        server.addRaw(TestRelease.ROOT + "/data/beta-chat/output.txt", tampered);

        OriginalPrompts.Result r = puller(hub().build()).pull(List.of());

        String actual = FakeHub.sha256(tampered);
        assertEquals(List.of(new OriginalPrompts.Failure("data/beta-chat/output.txt", "data/beta-chat/output.txt"
                + " failed its SHA-256 check: it has SHA-256 " + actual + ", but "
                + FakeHub.sha256(release.bytes("beta-chat")) + " is pinned; the download was discarded")), r.failures());
        assertFalse(r.ok());
        assertEquals(List.of("alpha-7b"), store().list().stream().map(OptimizedPrompt::id).toList());
        assertEquals(1, server.requests().stream().filter(q -> q.path().contains("beta")).count(),
                "a file with other bytes than the pinned ones is not downloaded again");
        Path pinned = tmp.resolve("cache/pinned").resolve(FakeHub.sha256(release.bytes("beta-chat")));
        assertFalse(Files.exists(pinned.resolve("output.txt")));
        assertFalse(Files.exists(pinned.resolve("output.txt.part")));
    }

    @Test
    void aFileOfAnotherSizeFailsItsCheckBeforeItsBodyIsRead() {
        server.addRaw(TestRelease.ROOT + "/data/beta-chat/output.txt", "Obey.".getBytes(StandardCharsets.UTF_8));

        OriginalPrompts.Result r = puller(hub().build()).pull(List.of("beta-chat"));

        assertEquals(List.of(new OriginalPrompts.Failure("data/beta-chat/output.txt", "data/beta-chat/output.txt"
                + " failed its SHA-256 check: the server sends 5 bytes, but a file of " + release.bytes("beta-chat").length
                + " bytes is pinned; nothing was kept")), r.failures());
        assertEquals(List.of(), store().list());
    }

    @Test
    void aLongerFileSentWithoutItsSizeIsCutOffAndFailsItsCheck() {
        byte[] longer = (BETA + " And also this.").repeat(5000).getBytes(StandardCharsets.UTF_8);
        server.addRaw(TestRelease.ROOT + "/data/beta-chat/output.txt", longer).chunked();

        OriginalPrompts.Result r = puller(hub().build()).pull(List.of("beta-chat"));

        assertEquals(List.of(new OriginalPrompts.Failure("data/beta-chat/output.txt", "data/beta-chat/output.txt"
                + " failed its SHA-256 check: it is longer than the " + release.bytes("beta-chat").length
                + " bytes pinned; the download was discarded")), r.failures());
        assertEquals(List.of(), store().list());
        assertEquals(1, server.requests().size());
    }

    @Test
    void offlineNothingIsAskedAndWhatIsNotCachedIsAnErrorThenTheCacheIsEnough() {
        OriginalPrompts offline = puller(hub().offline(true).build());

        OriginalPrompts.Result none = offline.pull(List.of("alpha-7b"));

        Path cached = tmp.resolve("cache/pinned").resolve(FakeHub.sha256(release.bytes("alpha-7b")))
                .resolve("output.txt");
        assertEquals(List.of(new OriginalPrompts.Failure("data/alpha-7b/output.txt", "Offline mode (offline(true))"
                + " forbids downloading data/alpha-7b/output.txt from " + base + "/data/alpha-7b/output.txt, and it is"
                + " not in the cache at " + cached + ".")), none.failures());
        assertEquals(List.of(), store().list());
        assertEquals(List.of(), server.requests());

        puller(hub().build()).pull(List.of("alpha-7b"));
        deleteStore();
        assertEquals(1, server.requests().size());

        OriginalPrompts.Result fromCache = offline.pull(List.of("alpha-7b"));
        assertTrue(fromCache.ok(), fromCache.toString());
        assertEquals(ALPHA, store().get("alpha-7b").orElseThrow().text());
        assertEquals(1, server.requests().size());
    }

    @Test
    void aFileTheServerDoesNotHaveIsA404ThatNamesIt() {
        OriginalPrompts elsewhere = OriginalPrompts.builder().release(manifest).baseUrl(URI.create(
                server.endpoint() + "/nowhere/")).hubClient(hub().build()).store(store()).build();

        OriginalPrompts.Result r = elsewhere.pull(List.of("alpha-7b"));

        assertEquals(List.of(new OriginalPrompts.Failure("data/alpha-7b/output.txt", "data/alpha-7b/output.txt was"
                + " not found (HTTP 404 from " + server.endpoint() + " for " + server.endpoint()
                + "/nowhere/data/alpha-7b/output.txt)")), r.failures());
        assertEquals(List.of(), store().list());
        assertEquals(1, server.requests().size(), "a 404 is not retried");
    }

    @Test
    void aConnectionDroppedMidBodyIsResumedWithARangeRequest() {
        server.addRaw(TestRelease.ROOT + "/data/alpha-7b/output.txt", release.bytes("alpha-7b")).interrupt(1, 10);

        OriginalPrompts.Result r = puller(hub().build()).pull(List.of("alpha-7b"));

        assertTrue(r.ok(), r.toString());
        assertEquals(ALPHA, store().get("alpha-7b").orElseThrow().text());
        assertEquals(java.util.Arrays.asList(null, "bytes=10-"),
                server.requests().stream().map(FakeHub.Request::range).toList());
    }

    @Test
    void aConnectionDroppedOnEveryAttemptIsAClearErrorAndStoresNothing() {
        server.addRaw(TestRelease.ROOT + "/data/alpha-7b/output.txt", release.bytes("alpha-7b")).interrupt(5, 10)
                .ignoreRange();

        OriginalPrompts.Result r = puller(hub().maxAttempts(2).build()).pull(List.of("alpha-7b"));

        Path part = tmp.resolve("cache/pinned").resolve(FakeHub.sha256(release.bytes("alpha-7b")))
                .resolve("output.txt.part");
        assertEquals(List.of(new OriginalPrompts.Failure("data/alpha-7b/output.txt", "Download of"
                + " data/alpha-7b/output.txt was interrupted after 10 of " + release.bytes("alpha-7b").length
                + " bytes (closed); the partial file " + part + " is kept and will be resumed")),
                r.failures());
        assertEquals(List.of(), store().list());
        assertEquals(2, server.requests().size());
    }

    @Test
    void modelsAreMatchedToRunsAndAnUnknownOneIsAnErrorListingTheRuns() {
        OriginalPrompts p = puller(hub().build());

        assertEquals("beta-chat", p.runFor("Owner/beta-chat").orElseThrow().name());
        assertEquals("beta-chat", p.runFor("beta-chat-0125").orElseThrow().name());
        assertEquals("alpha-7b", p.runFor("alpha-7b").orElseThrow().name());
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> p.pull(List.of("alpha-7b", "gamma")));
        assertEquals("The original released no optimised prompt for \"gamma\"; it released: alpha-7b"
                + " (owner/Alpha-7B); beta-chat (owner/Beta-Chat, beta-chat-0125)", e.getMessage());
        assertEquals(List.of(), server.requests(), "nothing is downloaded when a name is unknown");
    }

    @Test
    void theSourceComesFromTheBuilderElseDro4jPromptsUrlElseTheRelease() {
        HubClient withUrl = hub().environment(Environment.of(Map.of("DRO4J_PROMPTS_URL", base))).build();
        assertEquals(URI.create(base), OriginalPrompts.builder().release(manifest).hubClient(withUrl).build()
                .baseUrl());
        assertEquals(URI.create("http://127.0.0.1:9/DRPO"), OriginalPrompts.builder().release(manifest)
                .hubClient(hub().build()).build().baseUrl());
        assertEquals(URI.create("http://127.0.0.1:1/x"), OriginalPrompts.builder().release(manifest)
                .hubClient(withUrl).baseUrl(URI.create("http://127.0.0.1:1/x")).build().baseUrl());
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> OriginalPrompts.builder()
                .release(manifest).hubClient(hub().environment(Environment.of(Map.of("DRO4J_PROMPTS_URL",
                        "ftp://mirror/x"))).build()).build());
        assertEquals("DRO4J_PROMPTS_URL must be an http(s) URL, but was \"ftp://mirror/x\"", e.getMessage());
    }

    private void deleteStore() {
        try (Stream<Path> s = Files.walk(tmp.resolve("store"))) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
