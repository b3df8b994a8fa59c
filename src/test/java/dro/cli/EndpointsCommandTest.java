package dro.cli;

import static dro.cli.CliRun.dro;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.Environment;
import dro.testing.FaultInjector;
import dro.testing.ScriptedDroRoles;
import dro.testing.ScriptedEvalRoles;
import dro.testing.ScriptedIclRoles;
import dro.testing.ScriptedOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --endpoints}: the API models of {@code dro eval} and {@code dro train} served by several scripted loopback
 * servers, reached by the real openai-java client, with the keys from the environment the endpoints file names.
 */
class EndpointsCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Environment KEYS = Environment.of(Map.of("KEY1", "sk-one", "KEY2", "sk-two"));

    @TempDir
    Path tmp;

    private final List<ScriptedOpenAiServer> servers = new ArrayList<>();

    private ScriptedOpenAiServer server(Function<ScriptedOpenAiServer.Request, ScriptedOpenAiServer.Reply> roles) {
        ScriptedOpenAiServer s = ScriptedOpenAiServer.start().respond(roles);
        servers.add(s);
        return s;
    }

    @AfterEach
    void stop() {
        servers.forEach(ScriptedOpenAiServer::close);
    }

    private static String refusedUrl() {
        ScriptedOpenAiServer s = ScriptedOpenAiServer.start();
        String url = s.baseUrl();
        s.close();
        return url;
    }

    private Path endpoints(String name, String... urls) throws Exception {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < urls.length; i++) {
            b.append(i == 0 ? "" : ", ").append("{\"base_url\": \"").append(urls[i]).append("\", \"api_key_env\": \"KEY")
                    .append(i % 2 + 1).append("\", \"max_concurrency\": 2}");
        }
        return Files.writeString(tmp.resolve(name), b.append("]").toString());
    }

    private CliRun eval(Path endpoints, Path dir) {
        return dro(KEYS, "eval", "--model", "answerer-m", "--judge-model", "eval-judge-m", "--config-set", "none",
                "--config-set", "base", "--limit", "4", "--out-dir", dir.toString(), "--endpoints",
                endpoints.toString());
    }

    @Test
    void evalSpreadsItsCallsOverTheEndpointsAndRecordsEachOnesFigures() throws Exception {
        ScriptedOpenAiServer a = server(ScriptedEvalRoles.responder());
        ScriptedOpenAiServer b = server(ScriptedEvalRoles.responder());
        Path dir = tmp.resolve("run");

        CliRun r = eval(endpoints("e.json", a.baseUrl(), b.baseUrl()), dir);

        assertEquals(0, r.code(), r.err());
        assertEquals(16, a.requests().size() + b.requests().size(), "4 queries x 2 configurations x (answer, judge)");
        assertTrue(a.requests().size() > 0 && b.requests().size() > 0, a.requests().size() + " / "
                + b.requests().size());
        assertTrue(a.requests().stream().allMatch(q -> "Bearer sk-one".equals(q.header("Authorization"))));
        assertTrue(b.requests().stream().allMatch(q -> "Bearer sk-two".equals(q.header("Authorization"))));
        assertTrue(a.maxConcurrentRequests() <= 2 && b.maxConcurrentRequests() <= 2, "max_concurrency 2 each: "
                + a.maxConcurrentRequests() + ", " + b.maxConcurrentRequests());
        JsonNode summary = JSON.readTree(dir.resolve("summary.json").toFile());
        JsonNode eps = summary.get("endpoints");
        assertEquals(2, eps.size(), summary.toString());
        assertEquals(a.baseUrl(), eps.get(0).get("endpoint").asText());
        assertEquals(b.baseUrl(), eps.get(1).get("endpoint").asText());
        assertEquals(a.requests().size(), eps.get(0).get("calls").asInt());
        assertEquals(b.requests().size(), eps.get(1).get("calls").asInt());
        assertEquals(0, eps.get(0).get("errors").asInt() + eps.get(1).get("errors").asInt());
        assertEquals(summary.get("prompt_tokens").asLong(), eps.get(0).get("prompt_tokens").asLong()
                + eps.get(1).get("prompt_tokens").asLong());
        assertEquals(summary.get("completion_tokens").asLong(), eps.get(0).get("completion_tokens").asLong()
                + eps.get(1).get("completion_tokens").asLong());
        assertTrue(eps.get(0).get("mean_latency_ms").asDouble() > 0, eps.toString());
        String hostA = a.baseUrl().replace("http://", "");
        assertTrue(r.err().contains("answers 8/8 judged | calls 16 (+0 cached) | tokens "), r.err());
        assertTrue(r.err().contains(" | " + hostA + " " + a.requests().size() + " calls "), r.err());
        assertTrue(r.err().contains("dro: endpoint " + hostA + " " + a.requests().size() + " calls "), r.err());
        String report = Files.readString(dir.resolve("report.html"));
        assertTrue(report.contains("Endpoint " + a.baseUrl() + "</th><td>" + a.requests().size() + " calls, "
                + eps.get(0).get("prompt_tokens").asLong() + " + " + eps.get(0).get("completion_tokens").asLong()
                + " tokens, 0 errors, "), report);
    }

    @Test
    void aRunResumedOverAnotherEndpointListAndModelNameMakesNoNewCall() throws Exception {
        ScriptedOpenAiServer a = server(ScriptedEvalRoles.responder());
        ScriptedOpenAiServer b = server(ScriptedEvalRoles.responder());
        Path dir = tmp.resolve("run");
        CliRun first = eval(endpoints("first.json", a.baseUrl(), b.baseUrl()), dir);
        assertEquals(0, first.code(), first.err());
        String results = Files.readString(dir.resolve("results.jsonl"));

        ScriptedOpenAiServer c = server(ScriptedEvalRoles.responder());
        Path second = Files.writeString(tmp.resolve("second.json"), "[{\"base_url\": \"" + c.baseUrl()
                + "\", \"api_key_env\": \"KEY2\", \"max_concurrency\": 1, \"model\": \"another-name\"}]");
        CliRun again = eval(second, dir);

        assertEquals(0, again.code(), again.err());
        assertEquals(0, c.requests().size());
        assertTrue(again.err().contains("dro: done: 8 answers judged; 0 calls made, 16 reused"), again.err());
        assertEquals(results, Files.readString(dir.resolve("results.jsonl")));
    }

    @Test
    void aRefusingEndpointIsLeftWhileTheOtherServesTheWholeRun() throws Exception {
        String refused = refusedUrl();
        ScriptedOpenAiServer b = server(ScriptedEvalRoles.responder());
        Path dir = tmp.resolve("run");

        CliRun r = eval(endpoints("e.json", refused, b.baseUrl()), dir);

        assertEquals(0, r.code(), r.err());
        assertEquals(16, b.requests().size());
        JsonNode eps = JSON.readTree(dir.resolve("summary.json").toFile()).get("endpoints");
        assertEquals(0, eps.get(0).get("calls").asInt());
        assertTrue(eps.get(0).get("errors").asInt() >= 1, eps.toString());
        assertEquals(16, eps.get(1).get("calls").asInt());
    }

    @Test
    void anEndpointWithInjectedFaultsChangesNoResultAndEachFaultIsCountedAsItsError() throws Exception {
        ScriptedOpenAiServer clean = server(ScriptedEvalRoles.responder());
        CliRun reference = eval(endpoints("clean.json", clean.baseUrl()), tmp.resolve("clean"));
        assertEquals(0, reference.code(), reference.err());

        FaultInjector faults = new FaultInjector(ScriptedEvalRoles.responder(), 0.3, 0.1, Duration.ofMillis(100), 7);
        ScriptedOpenAiServer faulty = server(faults);
        ScriptedOpenAiServer healthy = server(ScriptedEvalRoles.responder());
        Path dir = tmp.resolve("run");
        CliRun r = eval(endpoints("e.json", faulty.baseUrl(), healthy.baseUrl()), dir);

        assertEquals(0, r.code(), r.err());
        assertTrue(faults.faults() > 0, faults.counts().toString());
        assertEquals(Files.readString(tmp.resolve("clean").resolve("results.jsonl")),
                Files.readString(dir.resolve("results.jsonl")), "the same answers and judgements");
        JsonNode eps = JSON.readTree(dir.resolve("summary.json").toFile()).get("endpoints");
        assertEquals(faults.faults() - faults.counts().get(FaultInjector.Fault.TIMEOUT),
                eps.get(0).get("errors").asInt(), "a stalled answer still arrives (no timeout is set); " + faults.counts());
        assertEquals(0, eps.get(1).get("errors").asInt());
        assertEquals(16, eps.get(0).get("calls").asInt() + eps.get(1).get("calls").asInt());
    }

    @Test
    void whenEveryEndpointIsDownTheRunEndsNamingEach() throws Exception {
        String one = refusedUrl();
        String two = refusedUrl();

        // An endpoint is down after 3 failed attempts running. With the default 3 attempts per request, a single
        // request can give up (naming the one endpoint it tried last) before the run's other requests have failed
        // enough on the other endpoint, which depends on how the machine schedules them. With 6 attempts, each
        // request alone brings both endpoints to 3 failures (a rested endpoint wakes later the more it failed), so
        // the run ends on the first request that leaves both down, whatever the timing.
        dro.backend.RetryPolicy original = RoleModels.runRetries;
        RoleModels.runRetries = original.toBuilder().maxAttempts(6).build();
        CliRun r;
        try {
            r = eval(endpoints("e.json", one, two), tmp.resolve("run"));
        } finally {
            RoleModels.runRetries = original;
        }

        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("dro: error: Every endpoint of "), r.err());
        assertTrue(r.err().contains(" is down (each failed its last 3 attempts): " + one + ": "), r.err());
        assertTrue(r.err().contains("; " + two + ": "), r.err());
    }

    @Test
    void badEndpointsFilesAreClearErrors() throws Exception {
        Path unknown = Files.writeString(tmp.resolve("u.json"), "[{\"url\": \"http://127.0.0.1:9/v1\"}]");
        CliRun r = eval(unknown, tmp.resolve("run"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("dro: error: " + unknown + ": endpoint [0]: unknown key \"url\"; the keys are"
                + " base_url, api_key_env, max_concurrency, weight and model"), r.err());

        Path noKey = Files.writeString(tmp.resolve("k.json"), "[{\"base_url\": \"http://127.0.0.1:9/v1\","
                + " \"api_key_env\": \"NOT_SET\"}]");
        CliRun k = eval(noKey, tmp.resolve("run2"));
        assertEquals(1, k.code());
        assertTrue(k.err().contains("dro: error: " + noKey + ": endpoint [0] (http://127.0.0.1:9/v1): the environment"
                + " variable NOT_SET (api_key_env) is not set"), k.err());
    }

    @Test
    void trainRecordsThePerEndpointFiguresInResultJson() throws Exception {
        ScriptedOpenAiServer a = server(ScriptedDroRoles.responder(ScriptedDroRoles::prefersTwo, null));
        ScriptedOpenAiServer b = server(ScriptedDroRoles.responder(ScriptedDroRoles::prefersTwo, null));
        Path queries = Files.writeString(tmp.resolve("q.json"), "[\"What is rice?\", \"Why is the sky blue?\"]");
        Path dir = tmp.resolve("train");

        CliRun r = dro(KEYS, "train", "--base-model", "policy-m", "--eval-model", "judge-m", "--metrics-model",
                "selector-m", "--optimize-model", "optimizer-m", "--initial-system-prompt", "P", "--depth", "2",
                "--max-depth-increase", "0", "--queries", queries.toString(), "--no-ret-icl", "--log-dir",
                dir.toString(), "--endpoints", endpoints("e.json", a.baseUrl(), b.baseUrl()).toString());

        assertEquals(0, r.code(), r.err());
        JsonNode result = JSON.readTree(dir.resolve("result.json").toFile());
        JsonNode eps = result.get("endpoints");
        assertEquals(2, eps.size(), result.toString());
        assertEquals(result.get("calls_made").asInt(), eps.get(0).get("calls").asInt() + eps.get(1).get("calls").asInt());
        assertEquals(a.requests().size(), eps.get(0).get("calls").asInt());
        assertEquals(b.requests().size(), eps.get(1).get("calls").asInt());
        assertTrue(r.err().contains("level 1/2 | beam best "), r.err());
        assertTrue(r.err().contains(" calls left | " + a.baseUrl().replace("http://", "") + " "), r.err());
        assertTrue(Files.readString(dir.resolve("report.html")).contains("Endpoint " + b.baseUrl() + "</th><td>"
                + b.requests().size() + " calls, "));
    }

    @Test
    void optimizeIclTakesTheEndpointsFromItsConfigFileAndRecordsTheirFigures() throws Exception {
        ScriptedOpenAiServer a = server(ScriptedIclRoles.responder());
        ScriptedOpenAiServer b = server(ScriptedIclRoles.responder());
        Path seeds = Files.writeString(tmp.resolve("seeds.json"), "{\"How do I cook rice?\": \"<START>\\nBoil"
                + " it.\\n<END>\", \"How do I pick a lock?\": null}");
        Path dir = tmp.resolve("icl");
        Path config = Files.writeString(tmp.resolve("c.json"), "{\"endpoints\": \"" + endpoints("e.json",
                a.baseUrl(), b.baseUrl()).toString().replace("\\", "\\\\") + "\"}");

        CliRun r = dro(KEYS, "optimize-icl", "--config", config.toString(), "--seeds", seeds.toString(),
                "--answer-model", "answer-m", "--critic-model", "critic-m", "--metrics-model", "critic-selector-m",
                "--rewrite-model", "rewriter-m", "--out-dir", dir.toString());

        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("17 calls made, 0 reused"), r.err());
        assertEquals(17, a.requests().size() + b.requests().size());
        JsonNode eps = JSON.readTree(dir.resolve("result.json").toFile()).get("endpoints");
        assertEquals(List.of(a.baseUrl(), b.baseUrl()), List.of(eps.get(0).get("endpoint").asText(),
                eps.get(1).get("endpoint").asText()));
        assertEquals(List.of(a.requests().size(), b.requests().size()), List.of(eps.get(0).get("calls").asInt(),
                eps.get(1).get("calls").asInt()));
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("seed 2/2 | ") && l.contains(" | "
                + a.baseUrl().replace("http://", "") + " ")), r.err());
        assertTrue(r.err().contains("dro: endpoint " + b.baseUrl().replace("http://", "") + " "
                + b.requests().size() + " calls "), r.err());
        assertTrue(Files.readString(dir.resolve("report.html")).contains("Endpoint " + a.baseUrl() + "</th><td>"
                + a.requests().size() + " calls, "));
    }

    @Test
    void everyRunCommandDocumentsEndpointsInItsHelp() {
        for (String command : List.of("train", "optimize-icl", "eval")) {
            CliRun help = dro(command, "--help");
            assertEquals(0, help.code(), command);
            assertEquals("", help.err(), command);
            String out = help.out().replaceAll("\\s+", " ");
            assertTrue(out.contains("--endpoints=FILE A JSON array of OpenAI-compatible endpoints that serve every API"
                    + " model of the run instead of OPENAI_BASE_URL, e.g. [{\"base_url\":"), command + ": " + out);
            assertTrue(out.contains("(optional: api_key_env, default OPENAI_API_KEY; max_concurrency, default 4;"
                    + " weight, default 1; model, the name this endpoint knows the model by). Each call goes to the"
                    + " least loaded endpoint; one that fails rests while the others serve."), command + ": " + out);
            assertTrue(out.contains("or at the endpoints of --endpoints."), command + ": " + out);
        }
    }
}
