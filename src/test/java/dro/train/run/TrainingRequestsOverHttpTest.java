package dro.train.run;
import dro.roles.TrainFormat;
import dro.roles.internal.Roles;
import dro.roles.internal.LlmRoles;
import dro.roles.CallCache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dro.AutoModel;
import dro.InvalidRequestException;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelRequest;
import dro.backend.ModelCapabilities.Capability;
import dro.backend.ChatModelResponse;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiChatClient;
import dro.icl.IclExample;
import dro.icl.internal.IclRetriever;
import dro.testing.ScriptedDroRoles;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Request;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each role receives during training, seen where it arrives: the JSON bodies at a loopback OpenAI-protocol
 * server (real openai-java client), and the text a real llama.cpp model reads.
 */
class TrainingRequestsOverHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    ScriptedOpenAiServer server;

    @BeforeEach
    void start() {
        server = ScriptedOpenAiServer.start().respond(ScriptedDroRoles.responder(ScriptedDroRoles::prefersTwo, null));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    ChatModel api(String model) {
        return OpenAiBackend.create(OpenAiChatClient.builder().model(model).apiKey("sk-test").baseUrl(server.baseUrl())
                .build(), 4);
    }

    TrainResult train(int depth) {
        TrainConfig config = TrainConfig.builder().initialSystemPrompt("P").depth(depth).maxDepthIncrease(0)
                .concurrency(1).logDir(tmp.resolve("run")).build();
        return new DroTrainer(config, new DroTrainer.Models(api("policy-m"), api("judge-m"), api("selector-m"),
                api("optimizer-m")), DroTrainerTest.ICL, DroTrainerTest.LETTERS).run(List.of("What is rice?",
                "How do I boil water?"), TrainListener.NONE);
    }

    List<JsonNode> bodies(String model) {
        return server.requests().stream().filter(r -> model.equals(r.model())).map(Request::json).toList();
    }

    @Test
    void anApiBaseModelGetsTheOriginalsTrainingRequestAsOneSystemAndOneUserMessage() {
        train(1);

        JsonNode body = bodies("policy-m").get(0);
        List<IclExample> top = new IclRetriever(DroTrainerTest.ICL, DroTrainerTest.LETTERS, null)
                .topK("What is rice?", 2).stream().map(IclRetriever.Scored::example).toList();
        String system = "# instructions\n\nP\n\n# Query:\n" + top.get(0).query() + "\n\n#Answer:\n" + top.get(0).answer()
                + "\n\n#Query:\n" + top.get(1).query() + "\n\n#Answer:\n" + top.get(1).answer() + "\n\n";
        JsonNode messages = body.get("messages");
        assertEquals(2, messages.size(), messages.toString());
        assertEquals("system", messages.get(0).get("role").asText());
        assertEquals(system, messages.get(0).get("content").asText());
        assertEquals("user", messages.get(1).get("role").asText());
        assertEquals("# Query:\nWhat is rice?\n\n# Answer:\n<START>", messages.get(1).get("content").asText());
        assertEquals(0.0, body.get("temperature").asDouble());
        assertEquals(1.0, body.get("top_p").asDouble());
        assertEquals(2048, body.get("max_tokens").asInt());
        assertEquals("[\"<END>\",\"<END\",\"<|eot_id|>\"]", body.get("stop").toString());
        assertEquals(814367319L, body.get("seed").asLong(), "Seeds.derive(42, policy, \"\"), computed independently");
        assertFalse(body.has("response_format"));
    }

    @Test
    void theJudgeTheAspectSelectorAndTheOptimiserSampleAsTheOriginalsTraining() {
        train(2);

        JsonNode selector = bodies("selector-m").get(0);
        assertEquals(0.0, selector.get("temperature").asDouble());
        assertEquals(1.0, selector.get("top_p").asDouble());
        assertEquals(2048, selector.get("max_tokens").asInt());
        assertEquals(76516064L, selector.get("seed").asLong());

        List<JsonNode> judge = bodies("judge-m");
        assertEquals(1 + 3, judge.size());
        for (JsonNode j : judge) {
            assertEquals(0.0, j.get("temperature").asDouble());
            assertEquals(1.0, j.get("top_p").asDouble());
            assertEquals(2048, j.get("max_tokens").asInt());
        }
        assertEquals(156935224L, judge.get(0).get("seed").asLong(), "the initial step: judge at L0/T0");
        assertEquals(4, judge.stream().map(j -> j.get("seed").asLong()).distinct().count(), "a seed per place");

        List<JsonNode> optimizer = bodies("optimizer-m");
        assertEquals(1, optimizer.size());
        JsonNode o = optimizer.get(0);
        assertEquals(0.2, o.get("temperature").asDouble());
        assertEquals(0.95, o.get("top_p").asDouble());
        assertEquals(3, o.get("n").asInt());
        assertEquals(2048, o.get("max_tokens").asInt());
        assertEquals(494461944L, o.get("seed").asLong(), "level 1, beam item 0");
    }

    @Test
    void anApiClientRefusesARawPromptWithoutSendingIt() {
        try (ChatModel c = api("policy-m")) {
            assertFalse(c.capabilities().supports(Capability.RAW_PROMPT));
            InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> c.chat(
                    ChatModelRequest.builder("S", "U").temperature(0).rawPrompt(true).build()));
            assertEquals("A raw prompt (one text with no chat template) is not available on policy-m",
                    e.getMessage());
        }
        assertTrue(server.requests().isEmpty());
    }

    static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** A chat template whose every part is full of 7s, on a model that answers with the most frequent digit it reads. */
    static final String SEVENS_TEMPLATE = "{% for message in messages %}<|{{ message['role'] }}|>7777777777\n"
            + "{{ message['content'] }}<|end|>\n{% endfor %}{% if add_generation_prompt %}<|assistant|>7777777777\n"
            + "{% endif %}";

    @Test
    void aLocalModelReadsARawPromptExactlyWithoutItsChatTemplate() throws Exception {
        Path gguf = TinyGguf.majorityDigit(tmp.resolve("sevens.gguf"), TestModels.SCRIPT, SEVENS_TEMPLATE, 4096);
        String system = "# instructions\n\nSay 3.\n\n# Query:\nAdd 3 and 3?\n\n#Answer:\n<START>\n33\n<END>\n\n";
        String user = "# Query:\nWhy?\n\n# Answer:\n<START>";
        try (ChatModel m = AutoModel.builder().model(gguf).maxModelLen(4096).threads(1).parallelSlots(1)
                .buildChatModel()) {
            ChatModel client = m;
            assertTrue(client.capabilities().supports(Capability.RAW_PROMPT));
            ChatModelRequest req = ChatModelRequest.builder(system, user).temperature(0).maxNewTokens(3).seed(42L)
                    .build();

            ChatModelResponse raw = client.chat(req.toBuilder().rawPrompt(true).build());
            ChatModelResponse templated = client.chat(req);

            assertEquals("333", raw.text(), "no 7 of the template was read");
            assertEquals(bytes(system + user), raw.usage().promptTokens(), "one token per byte of system + user");
            assertEquals("777", templated.text(), "the template's 7s outnumber the prompt's 3s");
            assertEquals(bytes(m.renderPrompt(ChatModelRequest.builder(system, user).build())),
                    templated.usage().promptTokens());
        }
    }

    @Test
    void theBaseModelInTrainingIsGivenALocalModelAsOneRawPrompt() throws Exception {
        Path calls = tmp.resolve("calls");
        try (ChatModel m = AutoModel.builder().model(TestModels.scriptedChat()).maxModelLen(4096).threads(1)
                .parallelSlots(1).buildChatModel()) {
            LlmRoles.LlmBase policy = new LlmRoles.LlmBase(m,
                    new CallCache(calls, Long.MAX_VALUE), null, List.of(new IclExample("q", "<START>\na\n<END>")), 1,
                    TrainFormat.ORIGINAL, 42L);

            Roles.Answer answer = policy.answer("P", "Why?", "L0/T0");

            assertEquals("Hi", answer.output());
            assertEquals("# Query:\nq\n\n#Answer:\n<START>\na\n<END>", answer.icl());
        }
        JsonNode call;
        try (Stream<Path> s = Files.walk(calls)) {
            call = JSON.readTree(s.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow().toFile());
        }
        assertTrue(call.get("request").get("rawPrompt").asBoolean(), call.toString());
        assertEquals(bytes("# instructions\n\nP\n\n# Query:\nq\n\n#Answer:\n<START>\na\n<END>\n\n"
                + "# Query:\nWhy?\n\n# Answer:\n<START>"), call.get("response").get("usage").get("prompt_tokens").asInt(),
                "llama.cpp read system + user, no template");
    }
}
