package dro.serve;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dro.GenerateOptions;
import dro.backend.ChatModelRequest;
import dro.testing.Fuzz;

/**
 * A {@code POST /v1/chat/completions} body, any bytes, reads as a request whose options the model takes, or is the
 * server's 400 ({@link ServeError}), nothing else. Every model name is served here (a 404 is the handler's, not the
 * parser's), with default options that the server's token cap must cap.
 */
class ChatCompletionRequestFuzzTest {

    private static final GenerateOptions MODEL_DEFAULTS = GenerateOptions.builder().maxNewTokens(600).build();

    @FuzzTest(maxDuration = "60s")
    void anyBodyReadsAsARequestOrIsA400(byte[] data) {
        Fuzz.onlyDeclared(() -> {
            ChatCompletionRequest r;
            try {
                r = ChatCompletionRequest.read(data, name -> MODEL_DEFAULTS, 512, 8);
            } catch (ServeError e) {
                if (e.status != 400) {
                    throw new AssertionError("a ServeError with status " + e.status + ", not 400", e);
                }
                throw e;
            }
            // what AutoModel makes of it: the options over the model's defaults, one request for n answers
            GenerateOptions o = MODEL_DEFAULTS.overrideWith(r.options());
            ChatModelRequest.builder(o.userSpecifiedSystemPrompt() != null ? o.userSpecifiedSystemPrompt() : "s",
                    r.query()).temperature(o.temperature()).topP(o.topP()).maxNewTokens(o.maxNewTokens())
                    .stop(o.stop()).seed(o.seed()).n(r.n()).build();
            if (r.n() < 1 || r.n() > 8 || o.maxNewTokens() > 512 || r.query().isBlank()) {
                throw new AssertionError("read past a cap or a blank query: " + r);
            }
        }, ServeError.class);
    }
}
