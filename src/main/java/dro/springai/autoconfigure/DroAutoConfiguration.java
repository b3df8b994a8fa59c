package dro.springai.autoconfigure;

import dro.AutoModel;
import dro.DroException;
import dro.GenerateOptions;
import dro.compat.OriginalPrompts;
import dro.compat.internal.RegistryPrompts;
import dro.hub.HubClient;
import dro.icl.Embedder;
import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptRegistry;
import dro.springai.DroAdvisor;
import dro.springai.DroChatModel;
import dro.springai.SpringAiChatModel;
import io.micrometer.observation.ObservationRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.client.ChatClientCustomizer;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Lazy;

/**
 * dro4j in a Spring Boot application, switched on by having dro4j and Spring AI on the class path (properties under
 * {@code dro4j}, see {@link DroProperties}):
 * <ul>
 *   <li>{@code dro4j.model} set: an {@link AutoModel} bean (closed with the context) and a {@link DroChatModel} bean over
 *   it;</li>
 *   <li>{@code dro4j.advisor.enabled} (default true), with Spring AI's {@code ChatClient} on the class path: a
 *   {@link DroAdvisor} bean for the application's one Spring AI {@code ChatModel}, and a {@link ChatClientCustomizer}
 *   that adds it to the auto-configured {@code ChatClient.Builder} (not when that model is a {@link DroChatModel},
 *   which applies DRO itself).</li>
 * </ul>
 * Every bean backs off when the application defines its own.
 */
@AutoConfiguration
@ConditionalOnClass(name = "org.springframework.ai.chat.model.ChatModel")
@EnableConfigurationProperties(DroProperties.class)
public class DroAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DroAutoConfiguration.class);

    /** The advisor's prompt lines go out under its name: they say what a DroAdvisor sends. */
    private static final Logger ADVISOR_LOG = LoggerFactory.getLogger(DroAdvisor.class);

    /** The prompt registry the properties describe. */
    static PromptRegistry registry(DroProperties p) {
        return p.getPromptsDir() != null ? PromptRegistry.builder().userStore(p.getPromptsDir()).build()
                : PromptRegistry.defaults();
    }

    /**
     * The AutoModel that {@code dro4j.model} and the local settings describe.
     *
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming
     *         {@code dro4j.model} when the model cannot be built
     */
    @Bean
    @ConditionalOnProperty(prefix = DroProperties.PREFIX, name = "model")
    @ConditionalOnMissingBean
    public AutoModel droAutoModel(DroProperties p, ObjectProvider<Embedder> embedder) {
        AutoModel.Builder b = AutoModel.builder().model(p.getModel()).promptRegistry(registry(p));
        if (p.getNumGpus() != null) {
            b.numGpus(p.getNumGpus());
        }
        if (p.getMaxModelLen() != null) {
            b.maxModelLen(p.getMaxModelLen());
        }
        if (p.getGpuLayers() != null) {
            b.gpuLayers(p.getGpuLayers());
        }
        if (p.getThreads() != null) {
            b.threads(p.getThreads());
        }
        if (p.getParallelSlots() != null) {
            b.parallelSlots(p.getParallelSlots());
        }
        if (p.getOffline() != null && !isFile(p.getModel())) {
            b.offline(p.getOffline()); // a GGUF file given by path downloads nothing, and AutoModel refuses offline for it
        }
        if (p.getAdvisor().getIclFile() != null) {
            b.iclFile(p.getAdvisor().getIclFile());
        }
        embedder.ifAvailable(b::embedder);
        try {
            return b.build();
        } catch (DroException e) {
            throw DroProperties.bad("model", p.getModel(), e.getMessage());
        }
    }

    private static boolean isFile(String model) {
        try {
            return Files.isRegularFile(Path.of(model.strip()));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** A Spring AI ChatModel over the AutoModel, observed through the application's ObservationRegistry. */
    @Bean
    @ConditionalOnProperty(prefix = DroProperties.PREFIX, name = "model")
    @ConditionalOnMissingBean(DroChatModel.class)
    public DroChatModel droChatModel(AutoModel model, DroProperties p, ObjectProvider<ObservationRegistry> registry) {
        return DroChatModel.builder().model(model).options(options(p))
                .observationRegistry(registry.getIfUnique(() -> ObservationRegistry.NOOP)).build();
    }

    static GenerateOptions options(DroProperties p) {
        int k = p.getAdvisor().getNumIcl();
        return k == 0 ? GenerateOptions.builder().optimizedIcl(false).build()
                : GenerateOptions.builder().numOptimizedIcl(k).build();
    }

    /** The advisor and the customizer that adds it to {@code ChatClient.Builder}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.ai.chat.client.ChatClient")
    @ConditionalOnProperty(prefix = DroProperties.PREFIX + ".advisor", name = "enabled", havingValue = "true",
            matchIfMissing = true)
    public static class AdvisorConfiguration {

        /**
         * DRO for the application's one Spring AI {@code ChatModel}: the prompt {@code dro4j.advisor.prompt} names
         * (a file, else a registry id), else the registry's prompt for the model's configured name
         * ({@code ChatModel.getDefaultOptions().getModel()}, e.g. {@code spring.ai.openai.chat.options.model}), pulled
         * on first use as {@link AutoModel} pulls it (from the application's {@link OriginalPrompts} bean if it has
         * one; never with {@code dro4j.offline=true} or {@code DRO4J_OFFLINE=1}), else the base alignment prompt; an
         * INFO line of {@code dro.springai.DroAdvisor} says which. {@code dro4j.advisor.num-icl} examples from
         * {@code dro4j.advisor.icl-file} or dro4j's own. The prompt is resolved and the examples read on the advisor's
         * first request (so that an application starts without the network); the properties are checked at start.
         *
         * @throws IllegalStateException when the application has no or several ChatModel beans and none is primary
         */
        @Bean
        @Lazy
        @ConditionalOnMissingBean
        public DroAdvisor droAdvisor(ObjectProvider<ChatModel> chatModels, DroProperties p,
                                     ObjectProvider<Embedder> embedder, ObjectProvider<OriginalPrompts> pullers) {
            ChatModel chatModel = chatModels.getIfUnique();
            if (chatModel == null) {
                throw new IllegalStateException("DroAdvisor needs the application's Spring AI ChatModel, but there is"
                        + " none or more than one (mark one @Primary); or set " + DroProperties.PREFIX
                        + ".advisor.enabled=false, or define your own DroAdvisor bean");
            }
            return DroAdvisor.builder().modelOnFirstUse(() -> assembly(chatModel, p, embedder.getIfAvailable(),
                    pullers.getIfAvailable())).options(options(p)).build();
        }

        /** The AutoModel whose prompt, examples and embedder the advisor assembles requests with. */
        static AutoModel assembly(ChatModel chatModel, DroProperties p, Embedder embedder, OriginalPrompts puller) {
            AutoModel.Builder b = AutoModel.builder().chatModel(SpringAiChatModel.of(chatModel));
            String prompt = p.getAdvisor().getPrompt();
            PromptRegistry registry = registry(p);
            if (prompt != null) {
                Path file = Path.of(prompt);
                if (Files.isRegularFile(file)) {
                    b.optimizedPromptFile(file);
                    ADVISOR_LOG.info("Using the optimised prompt in {} ({}.advisor.prompt)", file.toAbsolutePath(),
                            DroProperties.PREFIX);
                } else {
                    OptimizedPrompt found = registry.byId(prompt).orElseThrow(() -> DroProperties.bad(
                            "advisor.prompt", prompt, "it is neither a file nor a prompt id of the registry ("
                                    + registry + ")"));
                    b.optimizedPrompt(found);
                    ADVISOR_LOG.info("Using the optimised prompt '{}' of the registry{} ({}.advisor.prompt)",
                            found.id(), found.location().isEmpty() ? "" : " in " + found.location(),
                            DroProperties.PREFIX);
                }
            } else {
                String modelName = chatModel.getDefaultOptions() == null ? null
                        : chatModel.getDefaultOptions().getModel();
                if (modelName == null || modelName.isBlank()) {
                    ADVISOR_LOG.info("No optimised prompt can be looked up: the ChatModel ({}) has no configured model"
                            + " name; using the base alignment prompt (set {}.advisor.prompt to choose one)",
                            chatModel.getClass().getName(), DroProperties.PREFIX);
                } else {
                    RegistryPrompts.find(modelName, registry, () -> registry.find(modelName),
                            () -> puller(p, puller), ADVISOR_LOG)
                            .ifPresent(m -> b.optimizedPrompt(m.prompt()));
                }
            }
            if (p.getAdvisor().getIclFile() != null) {
                b.iclFile(p.getAdvisor().getIclFile());
            }
            if (embedder != null) {
                b.embedder(embedder);
            }
            try {
                return b.build();
            } catch (DroException e) {
                throw DroProperties.bad(p.getAdvisor().getIclFile() != null ? "advisor.icl-file" : "advisor.prompt",
                        p.getAdvisor().getIclFile() != null ? p.getAdvisor().getIclFile() : prompt, e.getMessage());
            }
        }

        /**
         * The application's puller, else the one AutoModel uses for an API model; offline (whatever the puller's hub
         * says) with {@code dro4j.offline=true}.
         */
        static OriginalPrompts puller(DroProperties p, OriginalPrompts bean) {
            if (bean == null) {
                HubClient.Builder hub = HubClient.builder();
                if (p.getOffline() != null) {
                    hub.offline(p.getOffline());
                }
                return OriginalPrompts.builder().hubClient(hub.build()).build();
            }
            return Boolean.TRUE.equals(p.getOffline()) && !bean.isOffline() ? bean.toBuilder()
                    .hubClient(bean.hubClient().toBuilder().offline(true).build()).build() : bean;
        }

        /** Adds the {@link DroAdvisor} to every auto-configured {@code ChatClient.Builder}. */
        @Bean
        public ChatClientCustomizer droAdvisorCustomizer(ObjectProvider<DroAdvisor> advisor,
                                                         ObjectProvider<ChatModel> chatModels) {
            return builder -> {
                if (chatModels.getIfUnique() instanceof DroChatModel) {
                    log.info("The ChatModel is dro4j's DroChatModel, which applies DRO itself: no DroAdvisor added");
                    return;
                }
                builder.defaultAdvisors(advisor.getObject());
            };
        }
    }
}
