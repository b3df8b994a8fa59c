package dro.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dro.Environment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code dro serve}'s options and its refusals before anything is loaded. */
class ServeCommandTest {

    static Environment env(Map<String, String> vars) {
        return vars::get;
    }

    @Test
    void helpDocumentsEveryFlag() {
        CliRun r = CliRun.dro("serve", "--help");
        assertEquals(0, r.code(), r.err());
        for (String flag : List.of("--model", "--upstream-model", "--base-url", "--endpoints", "--served-model-name",
                "--prompt", "--prompts-dir", "--icl-file", "--num-icl", "--parallel-slots", "--queue", "--host",
                "--port", "--api-keys", "--no-auth", "--max-tokens-cap", "--max-n", "--max-new-tokens",
                "--max-body-bytes", "--timeout", "--drain-seconds", "--log-content", "--offline", "--threads",
                "--max-model-len")) {
            assertTrue(r.out().contains(flag), flag + " in:\n" + r.out());
        }
        assertTrue(CliRun.dro("--help").out().contains("serve"));
    }

    @Test
    void aNonLoopbackHostWithoutApiKeysIsRefusedBeforeTheModelLoads() {
        CliRun r = CliRun.dro(env(Map.of()), "serve", "--model", "/no/such/model.gguf", "--host", "0.0.0.0");
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("dro: error: Refusing to serve 0.0.0.0 without API keys: give API keys"
                + " (--api-keys FILE or DRO_SERVE_API_KEYS)"), r.err());
    }

    @Test
    void exactlyOneModeIsRequired() {
        CliRun r = CliRun.dro(env(Map.of()), "serve");
        assertEquals(1, r.code());
        assertEquals("dro: error: Give --model (local mode) or --upstream-model (proxy mode), one of the two",
                r.err().strip());
        CliRun both = CliRun.dro(env(Map.of()), "serve", "--model", "a.gguf", "--upstream-model", "b");
        assertEquals(1, both.code());
    }

    @Test
    void localModelSettingsAreRefusedInProxyMode() {
        CliRun r = CliRun.dro(env(Map.of("OPENAI_API_KEY", "sk-x", "OPENAI_BASE_URL", "http://127.0.0.1:9/v1")),
                "serve", "--upstream-model", "m", "--threads", "2", "--port", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("openAiModel(true) cannot honour settings for local models: threads 2"), r.err());
    }
}
