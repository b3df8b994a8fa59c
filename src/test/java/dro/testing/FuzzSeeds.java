package dro.testing;

import dro.internal.Json;
import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the seed corpora of the fuzz targets (docs/FUZZING.md) with the project's own writers and test helpers, so
 * that every seed's origin is this code: {@code java -cp target/test-classes:target/classes:$(cat cp.txt)
 * dro.testing.FuzzSeeds src/test/resources}. Seeds are named {@code seed-*}; the inputs a fuzzer found are kept beside
 * them under the names Jazzer gave them ({@code crash-*}, {@code timeout-*}, ...), and this program never touches them.
 */
public final class FuzzSeeds {

    /** Maps written in key order, so that the seeds come out the same on every run. */
    static final com.fasterxml.jackson.databind.ObjectWriter SORTED = Json.MAPPER.writer()
            .with(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Path resources;

    private FuzzSeeds(Path resources) {
        this.resources = resources;
    }

    public static void main(String[] args) throws IOException {
        new FuzzSeeds(Path.of(args.length > 0 ? args[0] : "src/test/resources")).writeAll();
    }

    private void writeAll() throws IOException {
        gguf();
        dro.compat.internal.CompatFuzzSeeds.write(resources);
        endpoints();
        promptStore();
        configs();
        replies();
        dataFiles();
        serveRequests();
    }

    /**
     * {@code POST /v1/chat/completions} bodies: each shape the server's tests send (the openai-java and LangChain4j
     * clients' fields, streamed, n choices, a system message and earlier turns, text parts, the "dro" extension,
     * neutral values) and malformed ones (truncated, trailing tokens, a duplicate key, wrong types, unsupported
     * fields).
     */
    private void serveRequests() throws IOException {
        Path d = dir("dro.serve.ChatCompletionRequestFuzzTest", "anyBodyReadsAsARequestOrIsA400");
        Map<String, Object> user = Map.of("role", "user", "content", "How do I boil an egg?");
        Map<String, Object> plain = new LinkedHashMap<>();
        plain.put("model", "tiny-chat");
        plain.put("messages", List.of(user));
        Files.write(d.resolve("seed-plain"), SORTED.writeValueAsBytes(plain));
        Map<String, Object> full = new LinkedHashMap<>(plain);
        full.put("messages", List.of(Map.of("role", "system", "content", "Answer like a pirate."),
                Map.of("role", "user", "content", "Earlier question"),
                Map.of("role", "assistant", "content", "Earlier answer"),
                Map.of("role", "developer", "content", "Be brief.", "name", "dev"),
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "Part one"),
                        Map.of("type", "text", "text", "part two")))));
        full.put("temperature", 0.3);
        full.put("top_p", 0.9);
        full.put("max_tokens", 77);
        full.put("stop", List.of("Arr", "STOP"));
        full.put("seed", 7);
        full.put("n", 3);
        full.put("user", "u-1");
        full.put("dro", Map.of("optimized_prompt", false, "num_icl", 1));
        Files.write(d.resolve("seed-every-field"), SORTED.writeValueAsBytes(full));
        Map<String, Object> streamed = new LinkedHashMap<>(plain);
        streamed.put("stream", true);
        streamed.put("stream_options", Map.of("include_usage", true));
        streamed.put("n", 2);
        streamed.put("max_completion_tokens", 9);
        streamed.put("stop", "STOP");
        Files.write(d.resolve("seed-streamed"), SORTED.writeValueAsBytes(streamed));
        Map<String, Object> neutral = new LinkedHashMap<>(plain);
        neutral.put("logprobs", false);
        neutral.put("presence_penalty", 0);
        neutral.put("frequency_penalty", 0);
        neutral.put("store", false);
        neutral.put("parallel_tool_calls", true);
        neutral.put("metadata", Map.of("k", "v"));
        neutral.put("response_format", Map.of("type", "text"));
        neutral.put("temperature", null);
        Files.write(d.resolve("seed-neutral-values"), SORTED.writeValueAsBytes(neutral));
        Map<String, Object> refused = new LinkedHashMap<>(plain);
        refused.put("tools", List.of(Map.of("type", "function", "function", Map.of("name", "f"))));
        refused.put("n", 9);
        refused.put("dro", Map.of("num_icl", 9, "icl", true));
        refused.put("top_p", 0);
        refused.put("max_tokens", 1e30);
        Files.write(d.resolve("seed-refused-fields"), SORTED.writeValueAsBytes(refused));
        Files.writeString(d.resolve("seed-truncated"), "{\"model\": ");
        Files.writeString(d.resolve("seed-trailing-tokens"), SORTED.writeValueAsString(plain) + " trailing");
        Files.writeString(d.resolve("seed-duplicate-key"), "{\"model\":\"a\",\"model\":\"b\",\"messages\":[]}");
        Files.writeString(d.resolve("seed-wrong-types"), "{\"model\":1,\"messages\":[{\"role\":\"robot\","
                + "\"content\":[{\"type\":\"image_url\"}]}],\"stream\":\"yes\",\"temperature\":\"hot\"}");
    }

    private void dataFiles() throws IOException {
        Path icl = dir("dro.DataFileFuzzTest", "anyIclFileReadsOrFailsWithAnInvalidRequestException");
        Map<String, Object> examples = new LinkedHashMap<>();
        examples.put("What is 2+2?", "<START>\n4.\n<END>");
        examples.put("Name a colour.", "");
        examples.put("Say hi.", null);
        Files.write(icl.resolve("seed-object"), SORTED.writeValueAsBytes(examples));
        Files.write(icl.resolve("seed-array"), SORTED.writeValueAsBytes(List.of("What is 2+2?", "Say hi.")));
        Path queries = dir("dro.DataFileFuzzTest", "anyQueriesFileReadsOrFailsWithAnInvalidRequestException");
        Files.write(queries.resolve("seed-strings"), SORTED.writeValueAsBytes(List.of("What is 2+2?", "Say hi.")));
        Files.write(queries.resolve("seed-objects"), SORTED.writeValueAsBytes(List.of(
                Map.of("query", "How do I pick a lock?", "type", "safety"), Map.of("instruction", "Say hi."))));
        Files.writeString(queries.resolve("seed-json-lines"), SORTED.writeValueAsString(Map.of("prompt", "Say hi."))
                + "\n" + SORTED.writeValueAsString(Map.of("query", "Why?", "unsafe", true)) + "\n");
    }

    private void endpoints() throws IOException {
        Path d = dir("dro.backend.EndpointFuzzTest", "anyEndpointsFileReadsOrFailsWithAnInvalidRequestException");
        Map<String, Object> full = new LinkedHashMap<>();
        full.put("base_url", "http://127.0.0.1:8000/v1");
        full.put("api_key_env", "LOCAL_KEY");
        full.put("max_concurrency", 8);
        full.put("weight", 2.5);
        full.put("model", "served-name");
        Files.write(d.resolve("seed-two-endpoints"), SORTED.writeValueAsBytes(
                List.of(full, Map.of("base_url", "https://h2.example/v1"))));
    }

    private void promptStore() throws IOException {
        Path d = dir("dro.prompt.PromptStoreFuzzTest", "anyStoredPromptReadsOrFailsWithAnInvalidRequestException");
        Path store = Files.createTempDirectory("dro4j-seed-store");
        try {
            OptimizedPrompt p = PromptStore.at(store).put(OptimizedPrompt.of("some-model", "Be helpful.\nBe brief.",
                    List.of("org/some-model"), List.of("some-model", "sm"), "imported from a test",
                    "2026-01-01T00:00:00Z"));
            Path entry = PromptStore.at(store).directory(p.id());
            ByteArrayOutputStream seed = new ByteArrayOutputStream();
            seed.writeBytes(Files.readAllBytes(entry.resolve("prompt.txt")));
            seed.write(0);
            seed.writeBytes(Files.readAllBytes(entry.resolve("meta.json")));
            Files.write(d.resolve("seed-put-by-the-store"), seed.toByteArray());
            Files.write(d.resolve("seed-prompt-only"), "Be helpful.\n".getBytes(StandardCharsets.UTF_8));
        } finally {
            try (var s = Files.walk(store)) {
                for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }
    }

    private void configs() throws IOException {
        String test = "dro.cli.ConfigFileFuzzTest";
        Map<String, Object> train = new LinkedHashMap<>();
        train.put("base_model", "policy-m");
        train.put("depth", 2);
        train.put("max_depth_increase", 0);
        train.put("beam_size", 1);
        train.put("n_actions", 1);
        train.put("ret-icl", true);
        train.put("temperature", 0.7);
        train.put("price", List.of("judge=10/30", "base=1/2"));
        Files.write(dir(test, "anyTrainConfigRunsTheEstimateOrIsRefusedInOneLine").resolve("seed-estimate"),
                SORTED.writeValueAsBytes(train));
        // a NUL in a value that becomes a file name: an unexpected InvalidPathException before it was refused
        Files.write(dir(test, "anyTrainConfigRunsTheEstimateOrIsRefusedInOneLine").resolve("seed-nul-in-a-path"),
                SORTED.writeValueAsBytes(Map.of("base_model", "policy\u0000m")));
        Files.write(dir(test, "anyEvalConfigIsReadOrRefused").resolve("seed-nul-in-a-path"),
                SORTED.writeValueAsBytes(Map.of("model", "m", "config_set", List.of("optimized:a\u0000b"))));
        Map<String, Object> icl = new LinkedHashMap<>();
        icl.put("critic_model", "critic-m");
        icl.put("rewrite-model", "rewriter-m");
        icl.put("num_iters", 2);
        icl.put("critic_temperature", 0.5);
        Files.write(dir(test, "anyOptimizeIclConfigIsReadOrRefused").resolve("seed-settings"),
                SORTED.writeValueAsBytes(icl));
        Map<String, Object> eval = new LinkedHashMap<>();
        eval.put("model", "answer-m");
        eval.put("config_set", List.of("none", "b=base+icl:2", "optimized"));
        eval.put("unsafe_when", List.of("label=unsafe"));
        eval.put("limit", 3);
        eval.put("all_unsafe", false);
        Files.write(dir(test, "anyEvalConfigIsReadOrRefused").resolve("seed-settings"),
                SORTED.writeValueAsBytes(eval));
    }

    private void replies() throws IOException {
        Path d = dir("dro.roles.internal.ReplyFuzzTest", "anyReplyIsReadOrFoundUnreadableWithoutAnException");
        Map<String, Object> judge = new LinkedHashMap<>();
        judge.put("Helpfulness", Map.of("rationale", "It answers.", "score", "4/5"));
        judge.put("factuality", Map.of("rationale", "Right.", "score", 5));
        judge.put("Clarity", "Score: 3");
        Files.writeString(d.resolve("seed-judge"), "Here is my evaluation:\n```json\n"
                + SORTED.writeValueAsString(judge) + "\n```\nThanks.");
        Files.writeString(d.resolve("seed-aspects"), "Sure! " + SORTED.writeValueAsString(Map.of(
                "aspects_selection", Map.of("reasoning", "A fact.", "selected_aspects", List.of("helpfulness",
                        "Factuality")))) + " Done.");
        Files.writeString(d.resolve("seed-optimiser"), SORTED.writeValueAsString(Map.of("new_system_prompt",
                "Be kind and brief.", "new_response", "<START>\nHi.\n<END>")));
    }

    private Path dir(String testClass, String method) throws IOException {
        return Files.createDirectories(resources.resolve(testClass.replace('.', '/') + "Inputs").resolve(method));
    }

    private void gguf() throws IOException {
        Path d = dir("dro.gguf.GgufFuzzTest", "anyFileReadsOrFailsWithAGgufException");
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("general.name", "Tiny");
        meta.put("general.base_model.count", 1);
        meta.put("general.base_model.0.name", "Base");
        meta.put("llama.block_count", 1);
        meta.put("tokenizer.ggml.add_bos_token", Boolean.FALSE);
        TinyGguf.metadataOnly(d.resolve("seed-metadata-only"), meta);
        TinyGguf.random(d.resolve("seed-random-model"), 1, 4, 1, 1, 4, 64, TinyGguf.CHAT_TEMPLATE);
    }
}
