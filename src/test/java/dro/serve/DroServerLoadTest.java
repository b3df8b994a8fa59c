package dro.serve;

import dro.testing.RequestRecorder;

import static dro.serve.ServeTesting.ICL;
import static dro.serve.ServeTesting.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.AutoModel;
import dro.backend.ChatModelRequest;
import dro.testing.LetterEmbedder;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server under load: the bounded queue (429 with Retry-After), a disconnecting client's slot, the stream
 * timeout, and 200 requests from 32 clients on a tiny local model. Bounded in count and time; loopback only.
 */
class DroServerLoadTest {

    @TempDir
    Path dir;

    /** Polls {@code condition} every 50 ms, at most {@code tries} times. */
    static boolean eventually(int tries, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < tries; i++) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    private AutoModel proxy(ScriptedOpenAiServer upstream) {
        return AutoModel.builder().openAiModel(true).model("m").apiKey("sk-up").baseUrl(upstream.baseUrl())
                .optimizedPrompt("P").iclExamples(ICL).embedder(LetterEmbedder.INSTANCE)
                .embeddingCacheDir(dir.resolve("emb")).maxAttempts(1).maxConcurrency(8).build();
    }

    private static String body(String model, String query, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                + query + "\"}]}";
    }

    @Test
    void aRequestBeyondTheSlotsAndTheQueueIsA429WithRetryAfter() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedOpenAiServer upstream = ScriptedOpenAiServer.start(); AutoModel m = proxy(upstream)) {
            upstream.respond(r -> {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Reply.completion("Held<END>");
            });
            DroServer server = DroServer.builder().model("m", m).port(0).slots(1).queue(1).start();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<ServeTesting.Raw> first = pool.submit(() -> post(server, "/v1/chat/completions",
                        body("m", "one", false)));
                assertTrue(eventually(100, () -> server.busySlots() == 1), "the first request holds the slot");
                Future<ServeTesting.Raw> second = pool.submit(() -> post(server, "/v1/chat/completions",
                        body("m", "two", false)));
                assertTrue(eventually(100, () -> server.queued() == 1), "the second request waits");
                ServeTesting.Raw third = post(server, "/v1/chat/completions", body("m", "three", false));
                assertEquals(429, third.status());
                assertEquals("1", third.header("retry-after"));
                assertEquals("rate_limit_error", third.json().get("error").get("type").asText());
                assertEquals("queue_full", third.json().get("error").get("code").asText());
                release.countDown();
                assertEquals(200, first.get(60, TimeUnit.SECONDS).status());
                assertEquals(200, second.get(60, TimeUnit.SECONDS).status());
                assertEquals("Held", second.get().json().get("choices").get(0).get("message").get("content")
                        .asText());
                assertEquals(2, upstream.requests().size());
                assertEquals(0, server.busySlots());
            } finally {
                release.countDown();
                pool.shutdownNow();
                server.close();
            }
        }
    }

    /** A tiny local model that would write "ab " for ever, whose streams count their tokens and note a cancel. */
    private RequestRecorder endless(AtomicBoolean cancelled, AtomicInteger tokens) throws Exception {
        return endless(1, () -> cancelled.set(true), tokens);
    }

    /** The same, with {@code slots} parallel slots, calling {@code onCancel} for each stream cancelled. */
    private RequestRecorder endless(int slots, Runnable onCancel, AtomicInteger tokens) throws Exception {
        Path endless = TinyGguf.scripted(dir.resolve("endless.gguf"), "ab ", TinyGguf.CHAT_TEMPLATE, 16384);
        return ServeTesting.watched(AutoModel.builder().model(endless).threads(1).parallelSlots(slots)
                .maxModelLen(16384).buildChatModel(), tokens::incrementAndGet, onCancel);
    }

    private static Socket send(DroServer server, String body) throws Exception {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
        return socket;
    }

    @Test
    void aClientThatDisconnectsCancelsItsGenerationAndFreesTheSlot() throws Exception {
        AtomicBoolean cancelled = new AtomicBoolean();
        RequestRecorder model = endless(cancelled, new AtomicInteger());
        try (AutoModel m = AutoModel.builder().chatModel(model).optimizedPrompt("P").iclExamples(ICL)
                .embedder(LetterEmbedder.INSTANCE).embeddingCacheDir(dir.resolve("emb")).build();
             DroServer server = DroServer.builder().model("endless", m).port(0).slots(1).queue(0).maxTokens(12000)
                     .start()) {
            String body = "{\"model\":\"endless\",\"stream\":true,\"max_tokens\":12000,\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"Go on forever.\"}]}";
            try (Socket socket = send(server, body)) {
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.UTF_8));
                int contentChunks = 0;
                for (String line = in.readLine(); line != null && contentChunks < 3; line = in.readLine()) {
                    if (line.contains("\"content\":\"")) {
                        contentChunks++;
                    }
                }
                assertEquals(3, contentChunks, "the stream was generating");
                assertEquals(1, server.busySlots());
            }
            // the slot is free again within a second: 20 polls 50 ms apart
            assertTrue(eventually(20, () -> server.busySlots() == 0), "slot still busy: " + server.busySlots());
            assertTrue(cancelled.get(), "the generation was cancelled");
            // and the model's one slot takes the next request
            ServeTesting.Raw next = post(server, "/v1/chat/completions", "{\"model\":\"endless\",\"max_tokens\":3,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Short.\"}]}");
            assertEquals(200, next.status(), next.body());
            assertEquals("length", next.json().get("choices").get(0).get("finish_reason").asText());
        }
    }

    @Test
    void aClientThatDisconnectsFromANonStreamedRequestCancelsItsGenerationAndFreesTheSlot() throws Exception {
        AtomicBoolean cancelled = new AtomicBoolean();
        AtomicInteger tokens = new AtomicInteger();
        RequestRecorder model = endless(cancelled, tokens);
        try (AutoModel m = AutoModel.builder().chatModel(model).optimizedPrompt("P").iclExamples(ICL)
                .embedder(LetterEmbedder.INSTANCE).embeddingCacheDir(dir.resolve("emb")).build();
             DroServer server = DroServer.builder().model("endless", m).port(0).slots(1).queue(0).maxTokens(12000)
                     .start()) {
            String body = "{\"model\":\"endless\",\"max_tokens\":12000,\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"Go on forever.\"}]}";
            try (Socket socket = send(server, body)) {
                assertTrue(eventually(400, () -> tokens.get() >= 3), "the model was generating");
                assertEquals(1, server.busySlots());
            }
            // the slot is free again within a second: 20 polls 50 ms apart
            assertTrue(eventually(20, () -> server.busySlots() == 0), "slot still busy: " + server.busySlots());
            assertTrue(cancelled.get(), "the generation was cancelled");
            assertTrue(tokens.get() < 12000, "it stopped early: " + tokens.get());
            ServeTesting.Raw next = post(server, "/v1/chat/completions", "{\"model\":\"endless\",\"max_tokens\":3,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Short.\"}]}");
            assertEquals(200, next.status(), next.body());
            assertEquals("length", next.json().get("choices").get(0).get("finish_reason").asText());
            assertTrue(eventually(20, () -> {
                try {
                    return ServeTesting.get(server, "/metrics").body().contains(
                            "dro_serve_requests_total{status=\"499\"} 1.0");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }), "the disconnect is counted as 499");
        }
    }

    @Test
    void aClientThatDisconnectsFromANonStreamedRequestForTwoChoicesCancelsBothAndFreesBothSlots() throws Exception {
        AtomicInteger cancels = new AtomicInteger();
        AtomicInteger tokens = new AtomicInteger();
        RequestRecorder model = endless(2, cancels::incrementAndGet, tokens);
        try (AutoModel m = AutoModel.builder().chatModel(model).optimizedPrompt("P").iclExamples(ICL)
                .embedder(LetterEmbedder.INSTANCE).embeddingCacheDir(dir.resolve("emb")).build();
             DroServer server = DroServer.builder().model("endless", m).port(0).slots(2).queue(0).maxTokens(12000)
                     .start()) {
            String body = "{\"model\":\"endless\",\"n\":2,\"seed\":3,\"max_tokens\":12000,\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"Go on forever.\"}]}";
            try (Socket socket = send(server, body)) {
                assertTrue(eventually(400, () -> tokens.get() >= 6), "the model was generating");
                assertEquals(2, server.busySlots());
                assertEquals(List.of(3L, 4L), model.seen.stream().map(ChatModelRequest::seed).sorted().toList(),
                        "both choices generate at once, each with its seed");
            }
            // both slots are free again within a second: 20 polls 50 ms apart
            assertTrue(eventually(20, () -> server.busySlots() == 0), "slots still busy: " + server.busySlots());
            assertEquals(2, cancels.get(), "both generations were cancelled");
            assertTrue(tokens.get() < 12000, "they stopped early: " + tokens.get());
            ServeTesting.Raw next = post(server, "/v1/chat/completions", "{\"model\":\"endless\",\"n\":2,"
                    + "\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Short.\"}]}");
            assertEquals(200, next.status(), next.body());
            assertEquals(2, next.json().get("choices").size());
        }
    }

    @Test
    void aStreamThatRunsPastTheRequestTimeoutEndsWithA504ErrorEvent() throws Exception {
        try (ScriptedOpenAiServer upstream = ScriptedOpenAiServer.start(); AutoModel m = proxy(upstream)) {
            upstream.respond(r -> Reply.completion("slow slow slow slow slow slow slow slow<END>")
                    .withPieceDelay(Duration.ofMillis(100)).withPieceSize(1));
            try (DroServer server = DroServer.builder().model("m", m).port(0).requestTimeout(Duration.ofSeconds(1))
                    .start()) {
                ServeTesting.Raw r = post(server, "/v1/chat/completions", body("m", "q", true));
                assertEquals(200, r.status());
                String[] events = r.body().split("\n\n");
                assertEquals("data: [DONE]", events[events.length - 1]);
                String error = events[events.length - 2];
                assertTrue(error.startsWith("data: {\"error\":"), error);
                assertEquals("timeout", ServeTesting.JSON.readTree(error.substring(6)).get("error").get("code")
                        .asText());
                assertTrue(eventually(20, () -> server.busySlots() == 0));
            }
        }
    }

    @Test
    void twoHundredRequestsFromThirtyTwoClientsAreEachAnsweredOnceWith200Or429() throws Exception {
        RequestRecorder model = new RequestRecorder(AutoModel.builder().model(TestModels.scriptedChat())
                .threads(1).maxModelLen(6144).parallelSlots(2).buildChatModel());
        try (AutoModel m = AutoModel.builder().chatModel(model).optimizedPrompt("P").iclExamples(ICL)
                .embedder(LetterEmbedder.INSTANCE).embeddingCacheDir(dir.resolve("emb")).build();
             DroServer server = DroServer.builder().model("tiny", m).port(0).slots(2).queue(8).start()) {
            ExecutorService clients = Executors.newFixedThreadPool(32);
            Map<String, Integer> status = new ConcurrentHashMap<>();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    String query = "question number " + i;
                    boolean stream = i % 2 == 0;
                    all.add(CompletableFuture.runAsync(() -> {
                        try {
                            ServeTesting.Raw r = post(server, "/v1/chat/completions", body("tiny", query, stream));
                            if (r.status() == 200) {
                                String text = stream ? streamedText(r.body())
                                        : r.json().get("choices").get(0).get("message").get("content").asText();
                                assertEquals("Hi", text);
                            } else {
                                assertEquals("1", r.header("retry-after"));
                            }
                            if (status.put(query, r.status()) != null) {
                                throw new AssertionError("answered twice: " + query);
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }, clients));
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(240, TimeUnit.SECONDS);
            } finally {
                clients.shutdownNow();
            }
            assertEquals(200, status.size());
            List<String> ok = status.entrySet().stream().filter(e -> e.getValue() == 200).map(Map.Entry::getKey)
                    .sorted().toList();
            long refused = status.values().stream().filter(s -> s == 429).count();
            assertEquals(200, ok.size() + refused, "every answer is 200 or 429: " + status.values());
            assertTrue(ok.size() >= 10, "at least the slots and the queue were served: " + ok.size());
            List<String> reached = model.seen.stream().map(ChatModelRequest::user)
                    .map(u -> u.substring(u.indexOf("question number"), u.indexOf("\n", u.indexOf("question number"))))
                    .sorted().toList();
            assertEquals(ok, reached, "each 200 reached the model once, each 429 never");
            assertEquals(0, server.busySlots());
            assertEquals(0, server.queued());
            String metrics = ServeTesting.get(server, "/metrics").body();
            assertTrue(metrics.contains("dro_serve_requests_total{status=\"200\"} " + ok.size() + ".0"), metrics);
            if (refused > 0) {
                assertTrue(metrics.contains("dro_serve_requests_total{status=\"429\"} " + refused + ".0"), metrics);
            }
        }
    }

    static String streamedText(String body) throws Exception {
        StringBuilder text = new StringBuilder();
        for (String event : body.split("\n\n")) {
            if (event.startsWith("data: {")) {
                com.fasterxml.jackson.databind.JsonNode c = ServeTesting.JSON.readTree(event.substring(6))
                        .path("choices").path(0).path("delta").path("content");
                if (c.isTextual()) {
                    text.append(c.asText());
                }
            }
        }
        return text.toString();
    }
}
