package dro.serve;

import dro.serve.DroServer.ApiKeys;

import static dro.serve.ServeTesting.get;
import static dro.serve.ServeTesting.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dro.AutoModel;
import dro.InvalidRequestException;
import dro.testing.LetterEmbedder;
import dro.testing.ScriptedOpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys, the loopback default, and what a client without a key sees. */
class DroServerSecurityTest {

    static final String BODY_A = "{\"model\":\"model-a\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}";
    static final String BODY_B = "{\"model\":\"model-b\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}";

    @TempDir
    Path dir;

    ScriptedOpenAiServer upstream;
    AutoModel a;
    AutoModel b;
    DroServer server;

    @BeforeEach
    void start() throws Exception {
        upstream = ScriptedOpenAiServer.start();
        a = model("model-a");
        b = model("model-b");
        Path keys = dir.resolve("keys.txt");
        Files.writeString(keys, "# keys\nsk-all-1111\n\nsk-only-a-2222  model-a\n");
        server = DroServer.builder().model("model-a", a).model("model-b", b).port(0).apiKeys(ApiKeys.read(keys))
                .start();
    }

    private AutoModel model(String name) {
        return AutoModel.builder().openAiModel(true).model(name).apiKey("sk-up").baseUrl(upstream.baseUrl())
                .optimizedPrompt("P").iclExamples(ServeTesting.ICL).embedder(LetterEmbedder.INSTANCE)
                .embeddingCacheDir(dir.resolve("emb")).maxAttempts(1).build();
    }

    @AfterEach
    void stop() {
        server.close();
        a.close();
        b.close();
        upstream.close();
    }

    @Test
    void itListensOnLoopbackByDefault() {
        assertEquals("127.0.0.1", server.host());
        assertTrue(server.baseUrl().startsWith("http://127.0.0.1:"), server.baseUrl());
    }

    @Test
    void aRequestWithoutAKeyIsA401InOpenAisFormat() throws Exception {
        ServeTesting.Raw r = post(server, "/v1/chat/completions", BODY_A);
        assertEquals(401, r.status());
        assertEquals("missing_api_key", r.json().get("error").get("code").asText());
        assertEquals("Bearer", r.header("www-authenticate"));
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aWrongKeyIsA401AndTheOpenAiClientSeesUnauthorized() throws Exception {
        ServeTesting.Raw r = post(server, "/v1/chat/completions", BODY_A, "Authorization", "Bearer sk-all-1112");
        assertEquals(401, r.status());
        assertEquals("invalid_api_key", r.json().get("error").get("code").asText());
        assertEquals("Incorrect API key provided", r.json().get("error").get("message").asText());
        OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl()).apiKey("sk-nope").maxRetries(0)
                .build();
        try {
            assertThrows(UnauthorizedException.class, () -> c.chat().completions().create(
                    ChatCompletionCreateParams.builder().model("model-a").addUserMessage("q").build()));
        } finally {
            c.close();
        }
    }

    @Test
    void aKeyServesTheModelsItMayUseAndIsA403ForOthers() throws Exception {
        assertEquals(200, post(server, "/v1/chat/completions", BODY_A, "Authorization", "Bearer sk-only-a-2222")
                .status());
        ServeTesting.Raw r = post(server, "/v1/chat/completions", BODY_B, "Authorization", "Bearer sk-only-a-2222");
        assertEquals(403, r.status());
        assertEquals("permission_error", r.json().get("error").get("type").asText());
        assertEquals("This API key may not use the model 'model-b'", r.json().get("error").get("message").asText());
        assertEquals(200, post(server, "/v1/chat/completions", BODY_B, "Authorization", "Bearer sk-all-1111")
                .status());
        assertEquals(List.of("model-a", "model-b"), upstream.requests().stream()
                .map(ScriptedOpenAiServer.Request::model).toList());
    }

    @Test
    void healthAndReadyNeedNoKeyButModelsAndMetricsDo() throws Exception {
        assertEquals(200, get(server, "/health").status());
        assertEquals(200, get(server, "/ready").status());
        assertEquals(401, get(server, "/v1/models").status());
        assertEquals(401, get(server, "/metrics").status());
        assertEquals(200, get(server, "/metrics", "Authorization", "Bearer sk-all-1111").status());
    }

    @Test
    void aNonLoopbackHostWithoutKeysIsRefusedUnlessNoAuthIsExplicit() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> DroServer.builder().model("model-a", a).host("0.0.0.0").port(0).start());
        assertTrue(e.getMessage().startsWith("Refusing to serve 0.0.0.0 without API keys"), e.getMessage());
        DroServer.builder().model("model-a", a).host("0.0.0.0").noAuth(true).checkAccess();
        DroServer.builder().model("model-a", a).host("0.0.0.0").apiKeys(ApiKeys.of(List.of("sk-k"))).checkAccess();
    }

    @Test
    void aKeysFileThatHoldsNoKeyOrAMalformedLineIsRefusedWithoutShowingKeys() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.txt"), "# nothing\n\n");
        assertEquals("The API keys file " + empty.toAbsolutePath() + " holds no key",
                assertThrows(InvalidRequestException.class, () -> ApiKeys.read(empty)).getMessage());
        Path bad = Files.writeString(dir.resolve("bad.txt"), "sk-secret-9 model-a extra\n");
        String msg = assertThrows(InvalidRequestException.class, () -> ApiKeys.read(bad)).getMessage();
        assertTrue(msg.startsWith("Line 1 of the API keys file"), msg);
        assertTrue(!msg.contains("sk-secret-9"), msg);
    }

    @Test
    void keysAreMatchedWholeNotByPrefixAndTheHeaderNeedsTheBearerScheme() {
        ApiKeys keys = ApiKeys.of(List.of("sk-abc"));
        assertEquals(ApiKeys.Verdict.ALLOWED, keys.check("Bearer sk-abc", "m"));
        assertEquals(ApiKeys.Verdict.ALLOWED, keys.check("bearer sk-abc", "m"));
        assertEquals(ApiKeys.Verdict.WRONG, keys.check("Bearer sk-ab", "m"));
        assertEquals(ApiKeys.Verdict.WRONG, keys.check("Bearer sk-abcd", "m"));
        assertEquals(ApiKeys.Verdict.MISSING, keys.check("sk-abc", "m"));
        assertEquals(ApiKeys.Verdict.MISSING, keys.check(null, "m"));
    }
}
