package dro.springai.autoconfigure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dro.AssembledPrompt;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.icl.Embedder;
import dro.springai.DroAdvisor;
import dro.springai.DroChatModel;
import dro.testing.LetterEmbedder;
import dro.testing.ScriptedOpenAiServer;
import dro.testing.ScriptedOpenAiServer.Reply;
import dro.testing.TestModels;
import java.io.IOException;
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
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ChatClientAutoConfiguration.class,
                        DroAutoConfiguration.class))
                .withBean(ChatModel.class, () -> OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
                        .model("gpt-test").apiKey("sk-test").baseUrl(server.baseUrl()).maxRetries(0).build()).build())
                .withBean(Embedder.class, () -> LetterEmbedder.INSTANCE);
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
            List<String> sent = new ArrayList<>();
            for (JsonNode m : server.lastRequest().json().path("messages")) {
                sent.add(m.path("role").asText() + ": " + m.path("content").asText());
            }
            assertEquals(List.of("system: " + expected.system(), "user: " + expected.user()), sent);
            assertEquals("base", expected.systemPromptSource().kind().label(),
                    "the registry has no prompt for gpt-test");
        });
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
                        "dro4j.max-model-len=12288", "dro4j.advisor.num-icl=0")
                .run(context -> {
                    assertNotNull(context.getBean(AutoModel.class));
                    DroChatModel model = context.getBean(DroChatModel.class);
                    assertEquals(GenerateOptions.builder().optimizedIcl(false).build().optimizedIcl(),
                            model.options().optimizedIcl());
                    String answer = context.getBean(ChatClient.Builder.class).build().prompt().user("Hello?")
                            .call().content();
                    assertEquals("Hi", answer, "through DroChatModel, no DroAdvisor on top of it");
                });
    }
}
