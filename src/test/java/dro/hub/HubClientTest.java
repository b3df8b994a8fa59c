package dro.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.Environment;
import dro.InvalidRequestException;
import dro.backend.RetryPolicy;
import dro.testing.FakeHub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads against a loopback server that answers like the hub's resolve URLs. */
class HubClientTest {

    static final String REPO = "TheBloke/Mistral-7B-v0.1-GGUF";
    static final String FILE = "mistral-7b-v0.1.Q4_K_M.gguf";
    static final String NAME = "hf://" + REPO + "/" + FILE;

    @TempDir
    Path cache;

    FakeHub hub;
    byte[] content;
    Map<String, String> env;
    Events events;

    @BeforeEach
    void start() {
        hub = FakeHub.start();
        content = new byte[300_000];
        new Random(1).nextBytes(content);
        env = new HashMap<>(Map.of("HF_ENDPOINT", hub.endpoint()));
        events = new Events();
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    HubClient client() {
        return client(4);
    }

    HubClient client(int attempts) {
        return HubClient.builder().cacheDir(cache).environment(Environment.of(env)).listener(events)
                .maxAttempts(attempts).retryBackoff(Duration.ZERO).build();
    }

    Path target() {
        return cache.resolve("TheBloke/Mistral-7B-v0.1-GGUF/main/mistral-7b-v0.1.Q4_K_M.gguf");
    }

    Path part() {
        return cache.resolve("TheBloke/Mistral-7B-v0.1-GGUF/main/mistral-7b-v0.1.Q4_K_M.gguf.part");
    }

    /** Records what a listener hears; progress must only ever grow within one transfer. */
    static final class Events implements DownloadListener {
        final List<String> log = new ArrayList<>();
        long lastDone = -1;
        final List<String> problems = new ArrayList<>();

        @Override
        public synchronized void started(HfFile file, long totalBytes, long resumedFrom) {
            log.add("started " + file + " " + totalBytes + " from " + resumedFrom);
            lastDone = resumedFrom;
        }

        @Override
        public synchronized void progress(HfFile file, long bytesDone, long totalBytes) {
            if (bytesDone <= lastDone) {
                problems.add(bytesDone + " after " + lastDone);
            }
            lastDone = bytesDone;
        }

        @Override
        public synchronized void retrying(HfFile file, int failedAttempt, int maxAttempts, HubException cause) {
            log.add("retrying after attempt " + failedAttempt + " of " + maxAttempts);
        }

        @Override
        public synchronized void finished(HfFile file, Path path) {
            log.add("finished " + path.getFileName());
        }

        @Override
        public synchronized void failed(HfFile file, HubException cause) {
            log.add("failed");
        }
    }

    @Test
    void downloadsThroughTheRedirectIntoTheCacheAndVerifiesIt() throws Exception {
        hub.add(REPO, FILE, content);

        ResolvedModel m = client().resolve(NAME);

        assertEquals(target(), m.file());
        assertArrayEquals(content, Files.readAllBytes(target()));
        assertFalse(Files.exists(part()));
        assertEquals(HfFile.of(REPO, FILE), m.hubFile().orElseThrow());
        assertTrue(m.catalogEntry().isEmpty());
        List<FakeHub.Request> r = hub.requests();
        assertEquals(2, r.size());
        assertEquals("/TheBloke/Mistral-7B-v0.1-GGUF/resolve/main/mistral-7b-v0.1.Q4_K_M.gguf", r.get(0).path());
        assertTrue(r.get(1).path().startsWith("/cdn/"), r.get(1).path());
        assertNull(r.get(1).range());
        assertEquals(List.of("started " + NAME + " 300000 from 0", "finished " + FILE), events.log);
        assertEquals(300_000, events.lastDone);
        assertEquals(List.of(), events.problems);
    }

    @Test
    void aCachedFileIsUsedWithoutTheNetwork() {
        hub.add(REPO, FILE, content);
        client().resolve(NAME);
        hub.clearRequests();

        Path again = client().resolve(NAME).file();

        assertEquals(target(), again);
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void anInterruptedTransferIsResumedWithARangeRequest() throws Exception {
        hub.add(REPO, FILE, content).interrupt(1, 100_000);

        Path p = client().resolve(NAME).file();

        assertArrayEquals(content, Files.readAllBytes(p));
        List<FakeHub.Request> r = hub.requests();
        assertEquals(4, r.size(), r.toString());
        assertNull(r.get(1).range());
        // The hub sends 100,000 bytes and drops the connection; the drop may reach the client as a reset that
        // discards the last bytes it had not read yet, so it resumes from what it had received.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes=(\\d+)-").matcher(r.get(2).range());
        assertTrue(m.matches(), r.get(2).range()); // sent to the resolve URL ...
        long from = Long.parseLong(m.group(1));
        assertTrue(from > 0 && from <= 100_000, "resumed from " + from);
        assertEquals(r.get(2).range(), r.get(3).range()); // ... and again to the CDN it redirects to
        assertEquals(List.of("started " + NAME + " 300000 from 0", "retrying after attempt 1 of 4",
                "started " + NAME + " 300000 from " + from, "finished " + FILE), events.log);
        assertEquals(List.of(), events.problems);
    }

    @Test
    void theNextCallResumesWhatAFailedCallLeft() throws Exception {
        hub.add(REPO, FILE, content).interrupt(1, 100_000);

        HubException e = assertThrows(HubException.class, () -> client(1).resolve(NAME));

        assertTrue(e.isRetriable());
        // what the client received of the 100,000 bytes the hub sent before it dropped the connection (see above)
        long kept = Files.size(part());
        assertTrue(kept > 0 && kept <= 100_000, "kept " + kept);
        assertEquals("Download of " + NAME + " was interrupted after " + kept + " of 300000 bytes (closed); the"
                + " partial file " + part() + " is kept and will be resumed", e.getMessage());
        assertFalse(Files.exists(target()));

        Path p = client(1).resolve(NAME).file();

        assertArrayEquals(content, Files.readAllBytes(p));
        assertEquals("bytes=" + kept + "-", hub.requests().get(hub.requests().size() - 1).range());
        assertFalse(Files.exists(part()));
    }

    @Test
    void aServerThatIgnoresRangesMakesTheDownloadStartOver() throws Exception {
        hub.add(REPO, FILE, content).interrupt(1, 100_000).ignoreRange();

        Path p = client().resolve(NAME).file();

        assertArrayEquals(content, Files.readAllBytes(p));
        assertEquals(List.of("started " + NAME + " 300000 from 0", "retrying after attempt 1 of 4",
                "started " + NAME + " 300000 from 0", "finished " + FILE), events.log);
    }

    @Test
    void aWrongChecksumIsRejectedAndNothingIsLeftBehind() {
        String wrong = "ab".repeat(32);
        hub.add(REPO, FILE, content).wrongSha256(wrong);

        HubException e = assertThrows(HubException.class, () -> client(2).resolve(NAME));

        assertEquals("Downloaded " + NAME + " has SHA-256 " + FakeHub.sha256(content) + ", but the hub says " + wrong
                + "; the download was discarded", e.getMessage());
        assertFalse(Files.exists(target()));
        assertFalse(Files.exists(part()));
        assertEquals(4, hub.requests().size()); // both attempts downloaded it afresh
        assertEquals(List.of("started " + NAME + " 300000 from 0", "retrying after attempt 1 of 2",
                "started " + NAME + " 300000 from 0", "failed"), events.log);
    }

    @Test
    void aGatedRepositoryNeedsHfTokenWhichIsNotSentToTheCdn() throws Exception {
        hub.add(REPO, FILE, content).gated("hf_secret");

        HubException e = assertThrows(HubException.class, () -> client().resolve(NAME));

        assertFalse(e.isRetriable());
        assertEquals(NAME + " needs authorisation (HTTP 401 from " + hub.endpoint() + "): the repository is gated or"
                + " private. Set HF_TOKEN to a Hugging Face access token that can read " + REPO + ".", e.getMessage());
        assertEquals(1, hub.requests().size());
        assertFalse(Files.exists(part()));

        env.put("HF_TOKEN", "hf_secret");
        hub.clearRequests();
        Path p = client().resolve(NAME).file();

        assertArrayEquals(content, Files.readAllBytes(p));
        List<FakeHub.Request> r = hub.requests();
        assertEquals("Bearer hf_secret", r.get(0).authorization());
        assertNull(r.get(1).authorization(), "the token must not follow the redirect to another host");
    }

    @Test
    void aRefusedTokenSaysSoWithoutShowingIt() {
        hub.add(REPO, FILE, content).gated("hf_right");
        env.put("HF_TOKEN", "hf_wrong_token");

        HubException e = assertThrows(HubException.class, () -> client().resolve(NAME));

        assertEquals(NAME + " was refused (HTTP 403 from " + hub.endpoint() + ") although HF_TOKEN was sent: check"
                + " that the token can read " + REPO + " (for a gated repository, accept its terms at "
                + hub.endpoint() + "/" + REPO + ").", e.getMessage());
        assertFalse(e.getMessage().contains("hf_wrong_token"));
        assertFalse(client().toString().contains("hf_wrong_token"));
    }

    @Test
    void aMissingFileIsNotFound() {
        HubException e = assertThrows(HubException.class, () -> client().resolve("hf://" + REPO + "/nope.gguf"));

        assertFalse(e.isRetriable());
        assertEquals("hf://" + REPO + "/nope.gguf was not found (HTTP 404 from " + hub.endpoint() + "): check the"
                + " repository, the file name and the revision at " + hub.endpoint() + "/" + REPO + ".",
                e.getMessage());
        assertEquals(List.of("failed"), events.log);
    }

    @Test
    void offlineModeUsesTheCacheAndNeverTheNetwork() {
        hub.add(REPO, FILE, content);
        client().resolve(NAME);
        hub.clearRequests();

        for (String variable : new String[] {"DRO4J_OFFLINE", "HF_HUB_OFFLINE"}) {
            Map<String, String> offline = new HashMap<>(env);
            offline.put(variable, "1");
            HubClient c = HubClient.builder().cacheDir(cache).environment(Environment.of(offline)).build();

            assertTrue(c.isOffline(), variable);
            assertEquals(target(), c.resolve(NAME).file());
        }
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void offlineModeFailsClearlyWhenTheFileIsNotCached() {
        hub.add(REPO, FILE, content);
        env.put("HF_HUB_OFFLINE", "1");

        HubException e = assertThrows(HubException.class, () -> client().resolve(NAME));

        assertFalse(e.isRetriable());
        assertEquals("Offline mode (HF_HUB_OFFLINE=1) forbids downloading " + NAME + ", and it is not in the model"
                + " cache at " + target() + ". Download it once without offline mode, or give the path of a local"
                + " GGUF file.", e.getMessage());
        assertEquals(List.of(), hub.requests());

        HubException byBuilder = assertThrows(HubException.class, () -> HubClient.builder().cacheDir(cache)
                .environment(Environment.of(Map.of("HF_ENDPOINT", hub.endpoint()))).offline(true).build()
                .resolve(NAME));
        assertTrue(byBuilder.getMessage().startsWith("Offline mode (offline(true)) forbids downloading "));

        // offline(false) overrides the environment
        HubClient online = client().toBuilder().offline(false).build();
        assertFalse(online.isOffline());
        assertEquals(target(), online.resolve(NAME).file());
    }

    @Test
    void catalogueNamesResolveToTheirGgufRepositoryWithAnyQuantisation() throws Exception {
        hub.add(REPO, FILE, content);
        byte[] q8 = "Q8 weights".getBytes();
        hub.add(REPO, "mistral-7b-v0.1.Q8_0.gguf", q8);

        ResolvedModel m = client().resolve("mistral-7b");
        assertEquals("mistralai/Mistral-7B-v0.1", m.catalogEntry().orElseThrow().id());
        assertArrayEquals(content, Files.readAllBytes(m.file()));
        assertEquals(List.of("mistralai/Mistral-7B-v0.1", "mistral-7b"), m.names());

        ResolvedModel m8 = client().toBuilder().quantization("q8_0").build().resolve("mistralai/Mistral-7B-v0.1");
        assertArrayEquals(q8, Files.readAllBytes(m8.file()));
        assertEquals("/TheBloke/Mistral-7B-v0.1-GGUF/resolve/main/mistral-7b-v0.1.Q8_0.gguf",
                hub.requests().get(hub.requests().size() - 2).path());
    }

    @Test
    void aFileServedWithoutLfsHeadersIsCheckedByItsLength() throws Exception {
        hub.add("someone/tiny", "sub dir/model.gguf", content).notLfs();

        Path p = client().resolve("hf://someone/tiny/sub dir/model.gguf").file();

        assertEquals(cache.resolve("someone/tiny/main/sub dir/model.gguf"), p);
        assertArrayEquals(content, Files.readAllBytes(p));
        assertEquals("/someone/tiny/resolve/main/sub dir/model.gguf", hub.requests().get(0).path());
    }

    @Test
    void revisionsAreKeptApartInTheCache() throws Exception {
        hub.add(REPO, "v2", FILE, "second".getBytes());

        Path p = client().resolve("hf://" + REPO + "@v2/" + FILE).file();

        assertEquals(cache.resolve("TheBloke/Mistral-7B-v0.1-GGUF/v2/" + FILE), p);
        assertEquals("second", Files.readString(p));
    }

    @Test
    void localPathsPassThroughAndUnknownNamesAreExplained() throws Exception {
        Path local = Files.write(cache.resolve("my.gguf"), new byte[] {1});
        assertEquals(local, client().resolve(local.toString()).file());
        assertEquals(Path.of("/nonexistent/m.gguf"), client().resolve("/nonexistent/m.gguf").file());

        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> client().resolve("gpt-5"));
        assertEquals("Unknown model \"gpt-5\": not a file, not an hf:// name, and not in the catalogue"
                + " (mistralai/Mistral-7B-v0.1, mistralai/Mistral-7B-Instruct-v0.1, meta-llama/Llama-2-7b-hf,"
                + " meta-llama/Llama-2-7b-chat-hf, meta-llama/Llama-2-70b-hf, meta-llama/Llama-2-70b-chat-hf,"
                + " meta-llama/Meta-Llama-3-8B, meta-llama/Meta-Llama-3-8B-Instruct)", e.getMessage());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void a503WithRetryAfterInSecondsIsWaitedForExactly() throws Exception {
        hub.add(REPO, FILE, content).busy(1, 503, "7");
        List<Duration> waits = new ArrayList<>();

        Path p = HubClient.builder().cacheDir(cache).environment(Environment.of(env)).listener(events)
                .retryPolicy(RetryPolicy.builder().sleeper(waits::add).build()).build().resolve(NAME).file();

        assertArrayEquals(content, Files.readAllBytes(p));
        assertEquals(List.of(Duration.ofSeconds(7)), waits);
        assertEquals(List.of("retrying after attempt 1 of 3", "started " + NAME + " 300000 from 0",
                "finished " + FILE), events.log);
    }

    @Test
    void a429WithRetryAfterAsAnHttpDateIsWaitedForUntilThatDate() throws Exception {
        hub.add(REPO, FILE, content).busy(2, 429, "Wed, 21 Oct 2015 07:28:00 GMT");
        List<Duration> waits = new ArrayList<>();
        Clock clock = Clock.fixed(Instant.parse("2015-10-21T07:27:30Z"), ZoneOffset.UTC);

        HubClient c = HubClient.builder().cacheDir(cache).environment(Environment.of(env)).listener(events)
                .retryPolicy(RetryPolicy.builder().sleeper(waits::add).clock(clock).build()).maxAttempts(3).build();
        c.resolve(NAME);

        assertEquals(List.of(Duration.ofSeconds(30), Duration.ofSeconds(30)), waits);
    }

    @Test
    void withoutRetryAfterTheWaitsBackOffExponentiallyWithJitter() throws Exception {
        hub.add(REPO, FILE, content).busy(3, 503, null);
        List<Duration> waits = new ArrayList<>();

        HubClient.builder().cacheDir(cache).environment(Environment.of(env)).listener(events)
                .retryPolicy(RetryPolicy.builder().sleeper(waits::add).build()).maxAttempts(4)
                .retryBackoff(Duration.ofSeconds(2)).build().resolve(NAME);

        assertEquals(3, waits.size(), waits.toString());
        long[] base = {2000, 4000, 8000};
        for (int i = 0; i < 3; i++) {
            long ms = waits.get(i).toMillis();
            assertTrue(ms > base[i] * 3 / 4 - 1 && ms <= base[i], "wait " + (i + 1) + " was " + ms + " ms");
        }
    }

    @Test
    void aRetryAfterLongerThanThePolicyAllowsFailsAtOnce() {
        hub.add(REPO, FILE, content).busy(1, 503, "3600");
        List<Duration> waits = new ArrayList<>();

        HubException e = assertThrows(HubException.class, () -> HubClient.builder().cacheDir(cache)
                .environment(Environment.of(env)).listener(events)
                .retryPolicy(RetryPolicy.builder().sleeper(waits::add).build()).build().resolve(NAME));

        assertEquals("Cannot download " + NAME + " (HTTP 503 from " + hub.endpoint() + ")", e.getMessage());
        assertEquals(List.of(), waits);
    }

    @Test
    void badSettingsAreRejectedNamingThem() {
        assertEquals("HF_ENDPOINT must be an http(s) URL, but was \"ftp://mirror\"", assertThrows(
                InvalidRequestException.class, () -> HubClient.builder()
                        .environment(Environment.of(Map.of("HF_ENDPOINT", "ftp://mirror"))).build()).getMessage());
        assertEquals("maxAttempts must be between 1 and 100, but was 0", assertThrows(InvalidRequestException.class,
                () -> HubClient.builder().maxAttempts(0).build()).getMessage());
        assertEquals("quantization must be a GGUF quantisation name such as Q4_K_M or Q8_0, but was \"../x\"",
                assertThrows(InvalidRequestException.class, () -> HubClient.builder().quantization("../x").build())
                        .getMessage());
        assertEquals("An hf:// name must name a .gguf file, but was \"hf://a/b/c.bin\"",
                assertThrows(InvalidRequestException.class, () -> client().resolve("hf://a/b/c.bin")).getMessage());
    }
}
