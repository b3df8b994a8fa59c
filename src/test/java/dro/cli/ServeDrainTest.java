package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.testing.ChildJvm;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/dro serve} in a child process: SIGTERM lets the request in flight finish, then the process exits 0. (On
 * the way: the request gets {@code --max-new-tokens} from the served model's default options.)
 */
class ServeDrainTest {

    static final String SECRET_QUERY = "the-secret-question-4411";

    @TempDir
    Path dir;

    static String waitFor(Path file, Pattern p, Process child) throws Exception {
        for (int i = 0; i < 1200; i++) {
            Matcher m = p.matcher(Files.readString(file, StandardCharsets.UTF_8));
            if (m.find()) {
                return m.groupCount() > 0 ? m.group(1) : m.group();
            }
            if (!child.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + p + " in:\n" + Files.readString(file, StandardCharsets.UTF_8));
    }

    @Test
    void sigtermDrainsTheRequestInFlightAndExitsZero() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedOpenAiServer upstream = ScriptedOpenAiServer.start()) {
            upstream.respond(r -> {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Reply.completion("Drained<END>");
            });
            Path prompt = Files.writeString(dir.resolve("prompt.txt"), "Be helpful.");
            Path out = dir.resolve("out.txt");
            Path err = dir.resolve("err.txt");
            Process child = ChildJvm.start(dir, Main.class, Map.of("OPENAI_API_KEY", "sk-up", "OPENAI_BASE_URL",
                    upstream.baseUrl()), out, err, "serve", "--upstream-model", "m", "--port", "0", "--num-icl", "0",
                    "--prompt", prompt.toString(), "--drain-seconds", "30", "--max-new-tokens", "40");
            try {
                String port = waitFor(err, Pattern.compile("at http://127\\.0\\.0\\.1:(\\d+)/v1"), child);
                HttpClient http = HttpClient.newHttpClient();
                CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                                + "\"content\":\"" + SECRET_QUERY + "\"}]}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                for (int i = 0; i < 600 && upstream.requests().isEmpty(); i++) {
                    Thread.sleep(50);
                }
                assertEquals(1, upstream.requests().size(), "the request reached the upstream");
                assertEquals(40, upstream.requests().get(0).maxTokens(), "--max-new-tokens: the model's default");
                child.destroy(); // SIGTERM
                waitFor(err, Pattern.compile("dro serve stopping: 1 requests in flight"), child);
                assertTrue(child.isAlive(), "still draining");
                release.countDown();
                HttpResponse<String> r = inFlight.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("\"content\":\"Drained\""), r.body());
                assertTrue(child.waitFor(60, TimeUnit.SECONDS), "exited");
                assertEquals(0, child.exitValue(), Files.readString(err));
                String log = Files.readString(err, StandardCharsets.UTF_8);
                assertTrue(log.contains("POST /v1/chat/completions 200 model=m prompt_tokens=10 completion_tokens=5"
                        + " ms="), log);
                assertFalse(log.contains(SECRET_QUERY), "no query text in the log:\n" + log);
                assertTrue(log.contains("dro serve: stopped"), log);
            } finally {
                release.countDown();
                if (child.isAlive()) {
                    child.destroyForcibly();
                }
            }
        }
    }
}
