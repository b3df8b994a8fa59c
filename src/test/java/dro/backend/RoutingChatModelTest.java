package dro.backend;

import dro.backend.internal.UsageAccounting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.ApiConnectionException;
import dro.AuthenticationException;
import dro.Environment;
import dro.InvalidRequestException;
import dro.ServerErrorException;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.backend.openai.OpenAiEndpoints;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Routing over several endpoints: the real openai-java client over real HTTP against loopback servers, through
 * {@link OpenAiEndpoints#router}, as runs use it.
 */
class RoutingChatModelTest {

    private final List<ScriptedOpenAiServer> servers = new ArrayList<>();

    private ScriptedOpenAiServer server(Reply reply) {
        ScriptedOpenAiServer s = ScriptedOpenAiServer.start().respond(r -> reply);
        servers.add(s);
        return s;
    }

    /** A base URL where nothing listens: connections are refused. */
    private static String refusedUrl() {
        ScriptedOpenAiServer s = ScriptedOpenAiServer.start();
        String url = s.baseUrl();
        s.close();
        return url;
    }

    @AfterEach
    void stopServers() {
        servers.forEach(ScriptedOpenAiServer::close);
    }

    private static final Environment KEYS = Environment.of(Map.of("KEY_A", "sk-a", "KEY_B", "sk-b"));

    private static RoutingChatModel router(List<Endpoint> endpoints) {
        return OpenAiEndpoints.router(endpoints, "m", false, KEYS, Duration.ofSeconds(10),
                new RoutingChatModel.Pool());
    }

    /** The router in the one retry layer, as AutoModel and the runs use it; its waits recorded, not waited. */
    private RetryingChatModel retrying(RoutingChatModel router, int maxAttempts) {
        return new RetryingChatModel(router, RetryPolicy.builder().maxAttempts(maxAttempts).sleeper(waits::add)
                .build());
    }

    private final List<Duration> waits = java.util.Collections.synchronizedList(new ArrayList<>());

    /** One endpoint's model as a router's: the real client, one attempt per call. */
    private static ChatModel backend(String url) {
        return OpenAiBackend.create(OpenAiChatClient.builder().model("m").apiKey("sk-test").baseUrl(url).build(), 1);
    }

    private static ChatModelRequest request(String user) {
        return ChatModelRequest.builder("Be brief.", user).temperature(0).maxNewTokens(8).build();
    }

    private static Endpoint endpoint(String url, int maxConcurrency) {
        return new Endpoint(url, "KEY_A", maxConcurrency, 1, null);
    }

    @Test
    void concurrentRequestsFillEachEndpointUpToItsMaxConcurrency() {
        Reply slow = Reply.completion("ok").withDelay(Duration.ofMillis(300));
        ScriptedOpenAiServer a = server(slow);
        ScriptedOpenAiServer b = server(slow);
        try (RoutingChatModel m = router(List.of(endpoint(a.baseUrl(), 1), endpoint(b.baseUrl(), 3)))) {
            List<ChatModelRequest> requests = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                requests.add(request("q" + i));
            }
            List<ChatModelResponse> out = m.chatAll(requests);
            assertEquals(12, out.size());
            assertEquals(1, a.maxConcurrentRequests());
            assertEquals(3, b.maxConcurrentRequests());
            assertEquals(12, a.requests().size() + b.requests().size());
            assertEquals(3, b.requests().size() / a.requests().size(), "b takes 3 for a's 1: " + a.requests().size()
                    + " vs " + b.requests().size());
        }
    }

    @Test
    void equallyLoadedEndpointsShareSequentialRequestsByWeight() {
        ScriptedOpenAiServer a = server(Reply.completion("ok"));
        ScriptedOpenAiServer b = server(Reply.completion("ok"));
        try (RoutingChatModel m = router(List.of(endpoint(a.baseUrl(), 2).withWeight(2),
                endpoint(b.baseUrl(), 2)))) {
            for (int i = 0; i < 6; i++) {
                assertEquals("ok", m.chat(request("q" + i)).text());
            }
            assertEquals(4, a.requests().size());
            assertEquals(2, b.requests().size());
        }
    }

    @Test
    void anEndpointWithModelSetIsAskedForItsOwnName() {
        ScriptedOpenAiServer a = server(Reply.completion("ok"));
        try (RoutingChatModel m = router(List.of(endpoint(a.baseUrl(), 1).withModel("mistral-7b-instruct")))) {
            m.chat(request("q"));
            assertEquals("mistral-7b-instruct", a.lastRequest().model());
            assertEquals("m", m.modelName(), "the router keeps the name the caller asked for");
            assertEquals("Bearer sk-a", a.lastRequest().header("Authorization"));
        }
    }

    @Test
    void aRefusedEndpointIsRestedAndItsRequestServedByAnother() {
        String refused = refusedUrl();
        ScriptedOpenAiServer b = server(Reply.completion("ok").withUsage(7, 2));
        try (RoutingChatModel r = router(List.of(endpoint(refused, 4), endpoint(b.baseUrl(), 4)));
             RetryingChatModel m = retrying(r, 3)) {
            for (int i = 0; i < 5; i++) {
                assertEquals("ok", m.chat(request("q" + i)).text());
            }
            assertEquals(5, b.requests().size());
            assertEquals(List.of(Duration.ZERO), waits, "one retry, of the first request, at once: b was awake");
            List<EndpointStats> stats = r.stats();
            assertEquals(new EndpointStats(refused, 0, 0, 0, 1, 0), stats.get(0),
                    "one failed attempt, then rested for the rest of the test (1 s)");
            assertEquals(b.baseUrl(), stats.get(1).endpoint());
            assertEquals(5, stats.get(1).calls());
            assertEquals(35, stats.get(1).promptTokens());
            assertEquals(10, stats.get(1).completionTokens());
            assertEquals(0, stats.get(1).errors());
            assertTrue(stats.get(1).meanLatencyMillis() > 0, stats.toString());
        }
    }

    @Test
    void aServerErrorRestsTheEndpointWhichIsTriedAgainAfterItsRest() throws Exception {
        ScriptedOpenAiServer a = server(Reply.completion("from a"));
        a.enqueue(Reply.error(503, "overloaded").withHeader("Retry-After", "0.2"));
        ScriptedOpenAiServer b = server(Reply.completion("from b"));
        try (RoutingChatModel r = router(List.of(endpoint(a.baseUrl(), 1), endpoint(b.baseUrl(), 1)));
             RetryingChatModel m = retrying(r, 3)) {
            assertEquals("from b", m.chat(request("first")).text(), "a failed with 503, b answered");
            assertEquals("from b", m.chat(request("second")).text(), "a rests for its Retry-After");
            Thread.sleep(400);
            assertEquals("from a", m.chat(request("third")).text(), "a is back after 0.2 s");
            assertEquals(List.of(1L, 2L), r.stats().stream().map(EndpointStats::calls).toList());
            assertEquals(List.of(1L, 0L), r.stats().stream().map(EndpointStats::errors).toList());
            assertEquals(List.of(Duration.ZERO), waits, "a's Retry-After is its rest; b was awake, so no wait");
        }
    }

    @Test
    void anEndpointsLongRetryAfterRestsItWhileTheRetryGoesAtOnceToAnother() {
        ScriptedOpenAiServer a = server(Reply.error(429, "Daily quota used up").withHeader("Retry-After", "3600"));
        ScriptedOpenAiServer b = server(Reply.completion("from b"));
        try (RoutingChatModel r = router(List.of(endpoint(a.baseUrl(), 1), endpoint(b.baseUrl(), 1)));
             RetryingChatModel m = retrying(r, 3)) {
            assertEquals("from b", m.chat(request("q")).text());
            assertEquals("from b", m.chat(request("q2")).text(), "a rests (at most maxRest)");
        }
        assertEquals(1, a.requests().size());
        assertEquals(2, b.requests().size());
        assertEquals(List.of(Duration.ZERO), waits, "an hour's wait is a's rest, not the request's");
    }

    @Test
    void aRequestThatIsWrongFailsAtOnceWithoutTryingAnotherEndpoint() {
        ScriptedOpenAiServer a = server(Reply.error(401, "bad key"));
        ScriptedOpenAiServer b = server(Reply.completion("ok"));
        try (RoutingChatModel r = router(List.of(endpoint(a.baseUrl(), 1), endpoint(b.baseUrl(), 1)));
             RetryingChatModel m = retrying(r, 3)) {
            assertThrows(AuthenticationException.class, () -> m.chat(request("q")));
            assertEquals(0, b.requests().size());
            assertEquals(1, r.stats().get(0).errors());
            assertEquals(List.of(), waits);
        }
    }

    @Test
    void whenEveryEndpointIsDownTheErrorNamesEachWithItsLastErrorAndEndsTheRetries() {
        String refused = refusedUrl();
        ScriptedOpenAiServer b = server(Reply.error(500, "boom"));
        RoutingChatModel.Pool stats = new RoutingChatModel.Pool();
        try (RetryingChatModel m = retrying(RoutingChatModel.builder().modelName("m").pool(stats)
                .endpoint(refused, backend(refused), 1, 1).endpoint(b.baseUrl(), backend(b.baseUrl()), 1, 1)
                .failuresToDown(2).initialRest(Duration.ZERO).maxRest(Duration.ZERO).build(), 5)) {
            RoutingChatModel.AllEndpointsDownException e = assertThrows(
                    RoutingChatModel.AllEndpointsDownException.class, () -> m.chat(request("q")));
            assertFalse(e.isRetriable(), "the retry decorator stops at it");
            assertEquals(3, waits.size(), "4 of the policy's 5 attempts: the 4th left both endpoints down");
            assertTrue(e.getMessage().startsWith("Every endpoint of m is down (each failed its last 2 attempts): "
                    + refused + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("; " + b.baseUrl() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("boom"), e.getMessage());
            assertEquals(List.of(refused, b.baseUrl()), List.copyOf(e.lastErrors().keySet()));
            assertInstanceOf(ApiConnectionException.class, e.lastErrors().get(refused));
            assertInstanceOf(ServerErrorException.class, e.lastErrors().get(b.baseUrl()));
            assertEquals(2, b.requests().size());
            assertEquals(List.of(2L, 2L), stats.snapshot().stream().map(EndpointStats::errors).toList());
        }
    }

    @Test
    void oneEndpointDownWhileAnotherAnswersDoesNotEndTheRun() {
        String refused = refusedUrl();
        ScriptedOpenAiServer b = server(Reply.completion("ok"));
        try (RoutingChatModel r = RoutingChatModel.builder().modelName("m")
                .endpoint(refused, backend(refused), 1, 1).endpoint(b.baseUrl(), backend(b.baseUrl()), 1, 1)
                .failuresToDown(1).initialRest(Duration.ZERO).maxRest(Duration.ZERO).build();
             RetryingChatModel m = retrying(r, 3)) {
            for (int i = 0; i < 6; i++) {
                assertEquals("ok", m.chat(request("q" + i)).text());
            }
            assertEquals(6, b.requests().size());
            assertTrue(r.stats().get(0).errors() >= 1, r.stats().toString());
        }
    }

    @Test
    void anEndpointPairThatAlwaysAnswers500IsSentExactlyTheRetryPolicysAttemptsAlternately() {
        ScriptedOpenAiServer a = server(Reply.error(500, "boom"));
        ScriptedOpenAiServer b = server(Reply.error(500, "boom"));
        try (RoutingChatModel r = RoutingChatModel.builder().modelName("m")
                .endpoint(a.baseUrl(), backend(a.baseUrl()), 1, 1).endpoint(b.baseUrl(), backend(b.baseUrl()), 1, 1)
                .initialRest(Duration.ZERO).maxRest(Duration.ZERO).build();
             RetryingChatModel m = new RetryingChatModel(r, RetryPolicy.DEFAULT.toBuilder().sleeper(waits::add)
                     .build())) {
            ServerErrorException e = assertThrows(ServerErrorException.class, () -> m.chat(request("q")));
            assertEquals(3, e.attempts());
            assertTrue(e.getMessage().endsWith(": boom; gave up after 3 attempts"), e.getMessage());
        }
        // RetryPolicy.DEFAULT's 3 attempts in all, each on the endpoint that was not the last to fail
        assertEquals(2, a.requests().size());
        assertEquals(1, b.requests().size());
        assertEquals(2, waits.size());
    }

    @Test
    void theRouterAloneMakesOneAttemptAndRestsTheEndpointThatFailed() {
        ScriptedOpenAiServer a = server(Reply.error(500, "boom"));
        ScriptedOpenAiServer b = server(Reply.completion("ok"));
        try (RoutingChatModel r = router(List.of(endpoint(a.baseUrl(), 1), endpoint(b.baseUrl(), 1)))) {
            assertThrows(ServerErrorException.class, () -> r.chat(request("q")));
            assertEquals(1, a.requests().size());
            assertEquals(0, b.requests().size(), "the router does not retry");
            assertEquals("ok", r.chat(request("again")).text(), "a rests, so the next attempt goes to b");
            assertEquals(1, a.requests().size());
        }
    }

    @Test
    void theFiguresOfRoutersUnderDecoratorsAreFoundAndASharedPoolCountedOnce() {
        ScriptedOpenAiServer a = server(Reply.completion("ok").withUsage(3, 1));
        RoutingChatModel.Pool shared = new RoutingChatModel.Pool();
        List<Endpoint> endpoints = List.of(endpoint(a.baseUrl(), 2));
        try (RoutingChatModel judge = OpenAiEndpoints.router(endpoints, "judge", false, KEYS, null, shared);
             RoutingChatModel policy = OpenAiEndpoints.router(endpoints, "policy", false, KEYS, null, shared)) {
            ChatModel decorated = new UsageAccounting(new RetryingChatModel(judge, RetryPolicy.NONE));
            decorated.chat(request("a"));
            policy.chat(request("b"));
            List<EndpointStats> found = RoutingChatModel.endpointStats(decorated, policy, judge);
            assertEquals(1, found.size());
            assertEquals(2, found.get(0).calls());
            assertEquals(6, found.get(0).promptTokens());
            assertEquals(2, found.get(0).completionTokens());
            try (ChatModel plain = new UsageAccounting(backend(a.baseUrl()))) {
                assertEquals(List.of(), RoutingChatModel.endpointStats(plain));
            }
        }
    }

    @Test
    void routersSharingAPoolHoldEachEndpointsMaxConcurrencyTogether() throws Exception {
        Reply slow = Reply.completion("ok").withDelay(Duration.ofMillis(200));
        ScriptedOpenAiServer a = server(slow);
        ScriptedOpenAiServer b = server(slow);
        RoutingChatModel.Pool pool = new RoutingChatModel.Pool();
        List<Endpoint> endpoints = List.of(endpoint(a.baseUrl(), 1), endpoint(b.baseUrl(), 1));
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try (RoutingChatModel judge = OpenAiEndpoints.router(endpoints, "judge", false, KEYS, null, pool);
             RoutingChatModel policy = OpenAiEndpoints.router(endpoints, "policy", false, KEYS, null, pool)) {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                RoutingChatModel m = i % 2 == 0 ? judge : policy;
                String q = "q" + i;
                answers.add(threads.submit(() -> m.chat(request(q)).text()));
            }
            for (Future<String> f : answers) {
                assertEquals("ok", f.get(30, TimeUnit.SECONDS));
            }
            assertEquals(1, a.maxConcurrentRequests(), "two roles, yet one request at a time on a");
            assertEquals(1, b.maxConcurrentRequests());
            assertEquals(List.of(4L, 4L), pool.snapshot().stream().map(EndpointStats::calls).toList());
        } finally {
            threads.shutdownNow();
        }
        assertEquals("The endpoint " + a.baseUrl() + " is in this pool with max_concurrency 1 and weight 1.0, not 2"
                + " and 1.0", assertThrows(InvalidRequestException.class, () -> OpenAiEndpoints.router(
                        List.of(endpoint(a.baseUrl(), 2)), "other", false, KEYS, null, pool)).getMessage());
    }

    @Test
    void anEndpointWhoseKeyVariableIsNotSetIsNamed() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> OpenAiEndpoints.router(
                List.of(Endpoint.of("http://127.0.0.1:9/v1").withApiKeyEnv("NOPE")), "m", false, KEYS, null,
                new RoutingChatModel.Pool()));
        assertEquals("endpoints[0] (http://127.0.0.1:9/v1): the environment variable NOPE (api_key_env) is not set;"
                + " set it to the endpoint's API key (any non-empty value for a server that needs none)",
                e.getMessage());
    }
}
