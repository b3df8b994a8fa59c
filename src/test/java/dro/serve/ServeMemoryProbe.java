package dro.serve;

import dro.AutoModel;
import dro.testing.LetterEmbedder;
import dro.testing.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a child JVM by {@link DroServerMemoryTest}: a server on the tiny local model takes rounds of requests from 32
 * clients (all of them queued: 2 slots, a queue of 32); prints its resident memory after the warm-up rounds and after 200 more requests, and the statuses.
 */
public final class ServeMemoryProbe {

    private ServeMemoryProbe() { }

    public static void main(String[] args) throws Exception {
        Path cache = Files.createTempDirectory("dro4j-probe");
        try (AutoModel m = AutoModel.builder().model(TestModels.scriptedChat()).threads(1).maxModelLen(6144)
                .parallelSlots(2).optimizedPrompt("P").iclExamples(ServeTesting.ICL)
                .embedder(LetterEmbedder.INSTANCE).embeddingCacheDir(cache).build();
             DroServer server = DroServer.builder().model("tiny", m).port(0).slots(2).queue(32).start()) {
            HttpClient http = HttpClient.newHttpClient();
            int[] warm = {0, 0};
            for (int round = 0; round < 3; round++) {
                int[] s = load(http, server, 200);
                warm[0] += s[0];
                warm[1] += s[1];
            }
            long warmRss = rssKb();
            int[] s = load(http, server, 200);
            long afterRss = rssKb();
            System.out.println("warm_rss_kb=" + warmRss + " after_rss_kb=" + afterRss + " ok=" + s[0] + " refused="
                    + s[1] + " other=" + s[2] + " warm_ok=" + warm[0]);
        }
        TestModels.deleteTree(cache);
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    /** {@code n} requests from 32 clients: how many were 200, 429 and anything else. */
    static int[] load(HttpClient http, DroServer server, int n) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(32);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                all.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        String body = "{\"model\":\"tiny\",\"stream\":" + (i % 2 == 0) + ",\"messages\":[{\"role\":"
                                + "\"user\",\"content\":\"question " + i + "\"}]}";
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                                + "/chat/completions")).timeout(Duration.ofSeconds(120))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        (r.statusCode() == 200 ? ok : r.statusCode() == 429 ? refused : other).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
        }
        return new int[] {ok.get(), refused.get(), other.get()};
    }
}
