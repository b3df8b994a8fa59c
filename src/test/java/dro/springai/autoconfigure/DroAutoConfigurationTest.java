package dro.springai.autoconfigure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dro.AssembledPrompt;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.Environment;
import dro.SystemPromptSource;
import dro.compat.OriginalPrompts;
import dro.hub.HubClient;
import dro.icl.Embedder;
import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptRegistry;
import dro.prompt.PromptStore;
import dro.prompt.internal.PromptResources;
import dro.springai.DroAdvisor;
import dro.springai.DroChatModel;
import dro.testing.FakeHub;
import dro.testing.LetterEmbedder;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.TestModels;
import dro.testing.TestRelease;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientCustomizer;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@link DroAutoConfiguration} with {@link ApplicationContextRunner}, beside Spring AI's own {@code ChatClient}
 * auto-configuration and a real {@link OpenAiChatModel} on the loopback server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DroAutoConfigurationTest {

    private ScriptedOpenAiServer server;
    private ApplicationContextRunner runner;

    @TempDir
    Path dir;

    @BeforeAll
    void start() {
        server = ScriptedOpenAiServer.start().respond(r -> Reply.completion("Rinse it.<END>").withUsage(30, 3));
        runner = runnerFor("gpt-test");
    }

    /** dro4j's and Spring AI's ChatClient auto-configuration over an OpenAI model configured with {@code model}. */
    private ApplicationContextRunner runnerFor(String model) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ChatClientAutoConfiguration.class,
                        DroAutoConfiguration.class))
                .withBean(ChatModel.class, () -> OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
                        .model(model).apiKey("sk-test").baseUrl(server.baseUrl()).maxRetries(0).build()).build())
                .withBean(Embedder.class, () -> LetterEmbedder.INSTANCE);
    }

    private List<String> sentMessages() {
        List<String> sent = new ArrayList<>();
        for (JsonNode m : server.lastRequest().json().path("messages")) {
            sent.add(m.path("role").asText() + ": " + m.path("content").asText());
        }
        return sent;
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static InvalidConfigurationPropertyValueException invalidProperty(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InvalidConfigurationPropertyValueException e) {
                return e;
            }
        }
        throw new AssertionError("no InvalidConfigurationPropertyValueException in " + t, t);
    }

    @Test
    void byDefaultTheAutoConfiguredChatClientBuilderSendsTheAssembledMessages() {
        runner.run(context -> {
            assertTrue(context.getBeansOfType(AutoModel.class).isEmpty(), "no dro4j.model, no AutoModel bean");
            assertTrue(context.getBeansOfType(DroChatModel.class).isEmpty());
            DroAdvisor advisor = context.getBean(DroAdvisor.class);
            assertNotNull(context.getBean("droAdvisorCustomizer", ChatClientCustomizer.class));
            assertEquals(3, advisor.options().numOptimizedIcl());
            server.reset();
            String answer = context.getBean(ChatClient.Builder.class).build().prompt().user("How do I cook rice?")
                    .call().content();
            assertEquals("Rinse it.", answer);
            AssembledPrompt expected = advisor.model().assemble("How do I cook rice?", advisor.options());
            assertEquals(3, expected.examples().size());
            assertEquals(List.of("system: " + expected.system(), "user: " + expected.user()), sentMessages());
            assertEquals("base", expected.systemPromptSource().kind().label(),
                    "the registry has no prompt for gpt-test");
        });
    }

    @Test
    void theRegistrysPromptForTheConfiguredModelNameIsLookedUpOnTheFirstRequestAndNamedInTheProvenance() {
        Path prompts = dir.resolve("registry");
        runner.withPropertyValues("dro4j.prompts-dir=" + prompts).run(context -> {
            ChatClient client = context.getBean(ChatClient.Builder.class).build();
            PromptStore.at(prompts).put(OptimizedPrompt.of("chef", "Answer like a chef.", List.of("gpt-test"),
                    List.of(), "a test", ""));
            server.reset();
            ChatClientResponse r = client.prompt().user("How do I cook rice?").call().chatClientResponse();
            DroAdvisor advisor = context.getBean(DroAdvisor.class);
            AssembledPrompt expected = advisor.model().assemble("How do I cook rice?", advisor.options());
            assertTrue(expected.system().startsWith("Answer like a chef.\n"), expected.system());
            assertEquals(List.of("system: " + expected.system(), "user: " + expected.user()), sentMessages(),
                    "the prompt stored after the start is used: it is looked up on the first request");
            assertEquals("registry", r.context().get(DroAdvisor.PROMPT_SOURCE));
            assertEquals("chef", r.context().get(DroAdvisor.PROMPT_ID));
            assertEquals("registry", r.chatResponse().getMetadata().get(DroAdvisor.PROMPT_SOURCE));
            assertEquals("chef", r.chatResponse().getMetadata().get(DroAdvisor.PROMPT_ID));
        });
    }

    @Test
    void withoutARegistryEntryTheAdvisorSendsTheBaseAlignmentPromptAndSaysSo() {
        runner.withPropertyValues("dro4j.prompts-dir=" + dir.resolve("empty"), "dro4j.advisor.num-icl=0")
                .run(context -> {
                    server.reset();
                    ChatClientResponse r = context.getBean(ChatClient.Builder.class).build().prompt()
                            .user("How do I cook rice?").call().chatClientResponse();
                    assertEquals(List.of("system: " + PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT),
                            "user: # Query:\nHow do I cook rice?\n\n# Answer:\n<START>"), sentMessages());
                    assertEquals("base", r.context().get(DroAdvisor.PROMPT_SOURCE));
                    assertEquals("base alignment prompt", r.chatResponse().getMetadata().get(DroAdvisor.PROMPT_ID));
                });
    }

    private static final String PULLED = "You are a patient assistant. Say plainly what you do not know.";

    /** A puller of one released run, gpt-3.5-turbo, from a loopback server. */
    private OriginalPrompts puller(FakeHub files, boolean offline, String cache) {
        TestRelease release = new TestRelease().run("gpt-3.5-turbo", List.of("gpt-3.5-turbo", "gpt-3.5-turbo-0125"),
                PULLED);
        String base = release.serve(files);
        return OriginalPrompts.builder().release(release.manifest(dir.resolve("manifest.json")))
                .baseUrl(URI.create(base)).hubClient(HubClient.builder().environment(Environment.EMPTY)
                        .cacheDir(dir.resolve(cache)).offline(offline).build()).build();
    }

    @Test
    void aModelTheOriginalReleasedGetsItsPromptPulledOnTheFirstRequestAsAutoModelPullsIt() {
        Path prompts = dir.resolve("pulled");
        try (FakeHub files = FakeHub.start()) {
            OriginalPrompts puller = puller(files, false, "cache-pulled");
            runnerFor("gpt-3.5-turbo-0125").withBean(OriginalPrompts.class, () -> puller)
                    .withPropertyValues("dro4j.prompts-dir=" + prompts, "dro4j.advisor.num-icl=0").run(context -> {
                        ChatClient client = context.getBean(ChatClient.Builder.class).build();
                        assertEquals(List.of(), files.requests(), "nothing is pulled at the start");
                        server.reset();
                        ChatClientResponse r = client.prompt().user("How do I bake bread?").call()
                                .chatClientResponse();
                        assertEquals(1, files.requests().size());
                        assertEquals(PULLED, server.lastRequest().message("system"));
                        assertEquals("registry", r.context().get(DroAdvisor.PROMPT_SOURCE));
                        assertEquals("gpt-3.5-turbo", r.context().get(DroAdvisor.PROMPT_ID));
                        assertEquals(PULLED, PromptStore.at(prompts).get("gpt-3.5-turbo").orElseThrow().text());
                        client.prompt().user("How do I bake a cake?").call().content();
                        assertEquals(1, files.requests().size(), "pulled once");
                    });
        }
    }

    @Test
    void offlineWithNothingLocalTheAdvisorSendsWhatAutoModelSendsOfflineAndAsksNothing() {
        Path prompts = dir.resolve("offline");
        try (FakeHub files = FakeHub.start()) {
            OriginalPrompts online = puller(files, false, "cache-offline");
            runnerFor("gpt-3.5-turbo-0125").withBean(OriginalPrompts.class, () -> online)
                    .withPropertyValues("dro4j.prompts-dir=" + prompts, "dro4j.offline=true",
                            "dro4j.advisor.num-icl=0").run(context -> {
                        server.reset();
                        ChatClientResponse r = context.getBean(ChatClient.Builder.class).build().prompt()
                                .user("How do I bake bread?").call().chatClientResponse();
                        assertEquals("base", r.context().get(DroAdvisor.PROMPT_SOURCE));
                        assertEquals(PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT),
                                server.lastRequest().message("system"));
                    });
            try (AutoModel offline = AutoModel.builder().openAiModel(true).model("gpt-3.5-turbo-0125")
                    .apiKey("sk-test").baseUrl(server.baseUrl()).embedder(LetterEmbedder.INSTANCE)
                    .promptRegistry(PromptRegistry.builder().userStore(prompts).build())
                    .originalPrompts(puller(files, true, "cache-offline")).build()) {
                AssembledPrompt a = offline.assemble("How do I bake bread?",
                        GenerateOptions.builder().optimizedIcl(false).build());
                assertEquals(SystemPromptSource.BASE, a.systemPromptSource());
                assertEquals(a.system(), server.lastRequest().message("system"), "what AutoModel sends offline");
            }
            assertEquals(List.of(), files.requests(), "offline: nothing is asked");
            assertEquals(List.of(), PromptStore.at(prompts).list());
        }
    }

    @Test
    void theAdvisorIsAbsentWhenDisabledOrWithoutSpringAisChatClient() {
        runner.withPropertyValues("dro4j.advisor.enabled=false").run(context -> {
            assertTrue(context.getBeansOfType(DroAdvisor.class).isEmpty());
            assertFalse(context.containsBean("droAdvisorCustomizer"));
        });
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(DroAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader(ChatClient.class)).run(context -> {
                    assertTrue(context.getBeansOfType(DroAdvisor.class).isEmpty());
                    assertNotNull(context.getBean(DroProperties.class));
                });
    }

    @Test
    void anApplicationsOwnAdvisorReplacesTheAutoConfiguredOne() {
        runner.withBean("mine", DroAdvisor.class, () -> DroAdvisor.builder().model(AutoModel.builder()
                .chatModel(dro.springai.SpringAiChatModel.of(OpenAiChatModel.builder().options(OpenAiChatOptions
                        .builder().model("m").apiKey("k").baseUrl(server.baseUrl()).build()).build()))
                .embedder(LetterEmbedder.INSTANCE).build()).order(7).build()).run(context -> {
                    assertEquals(List.of("mine"), List.of(context.getBeanNamesForType(DroAdvisor.class)));
                    assertEquals(7, context.getBean(DroAdvisor.class).getOrder());
                });
    }

    @Test
    void thePropertiesAreBoundIntoTheAdvisor() throws IOException {
        Path prompt = Files.writeString(dir.resolve("prompt.txt"), "Answer like a chef.\n");
        Path icl = Files.writeString(dir.resolve("icl.json"), "{\"Cook rice?\": \"Simmer.\", \"Cook pasta?\": \"Boil.\"}");
        runner.withPropertyValues("dro4j.advisor.prompt=" + prompt, "dro4j.advisor.num-icl=1",
                "dro4j.advisor.icl-file=" + icl).run(context -> {
                    DroAdvisor advisor = context.getBean(DroAdvisor.class);
                    assertEquals(1, advisor.options().numOptimizedIcl());
                    assertEquals("Answer like a chef.", advisor.model().systemPrompt());
                    AssembledPrompt p = advisor.model().assemble("Cook rice?", advisor.options());
                    assertEquals(List.of("Cook rice?"), p.examples().stream().map(e -> e.query()).toList());
                    DroProperties props = context.getBean(DroProperties.class);
                    assertEquals(icl, props.getAdvisor().getIclFile());
                });
        runner.withPropertyValues("dro4j.advisor.num-icl=0").run(context ->
                assertFalse(context.getBean(DroAdvisor.class).options().optimizedIcl()));
    }

    @Test
    void badValuesFailTheStartNamingTheProperty() {
        record Case(String property, String expectedName) { }
        for (Case c : List.of(new Case("dro4j.advisor.num-icl=-1", "dro4j.advisor.num-icl"),
                new Case("dro4j.max-model-len=0", "dro4j.max-model-len"),
                new Case("dro4j.advisor.icl-file=" + dir.resolve("none.json"), "dro4j.advisor.icl-file"),
                new Case("dro4j.advisor.prompt=no-such-prompt-id", "dro4j.advisor.prompt"),
                new Case("dro4j.model=" + dir.resolve("missing.gguf"), "dro4j.model"))) {
            runner.withPropertyValues(c.property(), "dro4j.offline=true").run(context -> {
                assertNotNull(context.getStartupFailure(), c.property());
                assertEquals(c.expectedName(), invalidProperty(context.getStartupFailure()).getName(),
                        c.property());
            });
        }
        runner.withPropertyValues("dro4j.advisor.num-icl=three").run(context -> {
            assertNotNull(context.getStartupFailure());
            StringBuilder chain = new StringBuilder();
            for (Throwable c = context.getStartupFailure(); c != null; c = c.getCause()) {
                chain.append(c.getMessage()).append('\n');
            }
            assertTrue(chain.toString().contains("Failed to bind properties under 'dro4j.advisor.num-icl'"),
                    chain.toString());
            assertTrue(rootCause(context.getStartupFailure()).getMessage().contains("three"), chain.toString());
        });
    }

    @Test
    void dro4jModelGivesAnAutoModelAndADroChatModelClosedWithTheContext() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ChatClientAutoConfiguration.class,
                        DroAutoConfiguration.class))
                .withBean(Embedder.class, () -> LetterEmbedder.INSTANCE)
                .withPropertyValues("dro4j.model=" + TestModels.scriptedChat(), "dro4j.threads=1",
                        "dro4j.max-model-len=12288", "dro4j.advisor.num-icl=0",
                        "dro4j.offline=true") // a GGUF file by path downloads nothing: offline does not refuse it
                .run(context -> {
                    assertNull(context.getStartupFailure());
                    assertNotNull(context.getBean(AutoModel.class));
                    DroChatModel model = context.getBean(DroChatModel.class);
                    assertEquals(GenerateOptions.builder().optimizedIcl(false).build().optimizedIcl(),
                            model.options().optimizedIcl());
                    String answer = context.getBean(ChatClient.Builder.class).build().prompt().user("Hello?")
                            .call().content();
                    assertEquals("Hi", answer, "through DroChatModel, no DroAdvisor on top of it");
                });
    }

    @Test
    void withoutSpringAisChatModelOnTheClassPathNothingIsConfigured() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(DroAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader(ChatModel.class)).withPropertyValues("dro4j.model=x.gguf")
                .run(context -> {
                    assertNull(context.getStartupFailure());
                    assertTrue(context.getBeansOfType(DroProperties.class).isEmpty());
                    assertTrue(context.getBeansOfType(AutoModel.class).isEmpty());
                });
    }

    /** The name of each property DroProperties binds (its setters, kebab-case) and its default. */
    private static java.util.Map<String, Object> boundProperties(Class<?> type, Object defaults, String prefix)
            throws ReflectiveOperationException {
        java.util.Map<String, Object> out = new java.util.TreeMap<>();
        for (java.lang.reflect.Method m : type.getDeclaredMethods()) {
            if (m.getName().startsWith("set") && m.getParameterCount() == 1
                    && java.lang.reflect.Modifier.isPublic(m.getModifiers())) {
                String bean = m.getName().substring(3);
                String name = prefix + bean.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
                java.lang.reflect.Method getter;
                try {
                    getter = type.getMethod("get" + bean);
                } catch (NoSuchMethodException e) {
                    getter = type.getMethod("is" + bean);
                }
                out.put(name, getter.invoke(defaults) + " " + m.getParameterTypes()[0].getName());
            }
        }
        return out;
    }

    @Test
    void theConfigurationMetadataThatIdesCompleteDescribesEveryPropertyWithItsTypeAndDefault() throws Exception {
        java.util.Map<String, Object> bound = boundProperties(DroProperties.class, new DroProperties(), "dro4j.");
        bound.putAll(boundProperties(DroProperties.Advisor.class, new DroProperties.Advisor(), "dro4j.advisor."));
        JsonNode metadata;
        try (var in = DroProperties.class.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            metadata = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
        }
        java.util.Map<String, Object> described = new java.util.TreeMap<>();
        for (JsonNode p : metadata.path("properties")) {
            assertFalse(p.path("description").asText().isBlank(), p.toString());
            String type = p.path("type").asText();
            String primitive = switch (type) {
                case "java.lang.Boolean" -> "boolean";
                case "java.lang.Integer" -> "int";
                default -> type;
            };
            Object defaults = p.has("defaultValue") ? p.get("defaultValue").asText() : "null";
            String boundType = String.valueOf(bound.get(p.path("name").asText()));
            described.put(p.path("name").asText(), defaults + " "
                    + (boundType.endsWith(" " + primitive) ? primitive : type));
        }
        assertEquals(bound, described);
    }
}
