package dro.cli;

import dro.AutoModel;
import dro.InvalidRequestException;
import dro.backend.ChatModel;
import dro.backend.RetryPolicy;
import dro.backend.RetryingChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.hub.HfFile;
import dro.hub.ModelCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Turns the model of each training role into a {@link ChatModel}. A GGUF file, an {@code hf://} name or a name from
 * the model catalogue (such as {@code mistralai/Mistral-7B-v0.1}, downloaded once) is a local llama.cpp model, loaded
 * once however many roles use it; anything else is a model name at the OpenAI-compatible endpoint given by the
 * environment, or at the endpoints of {@code --endpoints}. Every API model, a single endpoint's or the router of
 * {@code --endpoints}, is retried under {@link #runRetries} by one {@link RetryingChatModel} (the connection and the
 * router make one attempt each; a retried attempt goes to another endpoint). The run's roles put their call
 * recording, token budget and usage accounting over these models ({@link dro.roles.CallCache#record}).
 */
final class RoleModels implements AutoCloseable {

    /**
     * How a failed call of an API role is retried: rate limits, server errors, timeouts, broken connections;
     * {@link RetryPolicy#DEFAULT} (3 attempts). Replaced in tests (to record the waits instead of waiting).
     */
    static RetryPolicy runRetries = RetryPolicy.DEFAULT;

    private final Map<String, ChatModel> loaded = new LinkedHashMap<>();
    private final Function<String, AutoModel.Builder> local;
    private final BiFunction<String, Boolean, ChatModel> api;
    private final Set<String> reasoningModels;
    private final RetryPolicy retries;

    /**
     * @param api             makes the client of an API model; its second argument says whether the model is a
     *                        reasoning model
     * @param retries         how API models are retried ({@link RetryPolicy#NONE}: not wrapped)
     * @param reasoningModels the API models that are reasoning models ({@code --reasoning-model})
     * @param roleModels      the models the roles of this run name (null for a role not used)
     * @throws InvalidRequestException if a reasoning model is a local model or not a model of this run
     */
    RoleModels(Function<String, AutoModel.Builder> local, BiFunction<String, Boolean, ChatModel> api,
               RetryPolicy retries, Collection<String> reasoningModels, String... roleModels) {
        this.local = local;
        this.api = api;
        this.retries = retries;
        this.reasoningModels = new LinkedHashSet<>(reasoningModels);
        Set<String> roles = new LinkedHashSet<>();
        for (String m : roleModels) {
            if (m != null) {
                roles.add(m);
            }
        }
        for (String r : this.reasoningModels) {
            if (!roles.contains(r)) {
                throw new InvalidRequestException("--reasoning-model " + r + " is not a model of this run; its models"
                        + " are " + String.join(", ", roles));
            }
            if (isLocal(r)) {
                throw new InvalidRequestException("--reasoning-model " + r + " is a local model; the setting is for"
                        + " API models");
            }
        }
    }

    /**
     * The role models of a run whose local models take the command's local-model options and whose API models are
     * served as {@link RunOptions#apiModels} says ({@code --endpoints}, keys read from {@code environment}).
     */
    static RoleModels of(LocalModelOptions local, RunOptions run, dro.Environment environment,
                         String... roleModels) {
        return new RoleModels(gguf -> local.builder(gguf, run.concurrency), run.apiModels(environment),
                run.retries(), run.reasoningModels, roleModels);
    }

    /** Whether a role's model names a local file rather than an API model. */
    static boolean isLocal(String spec) {
        return spec.endsWith(".gguf") || spec.startsWith(HfFile.SCHEME) || ModelCatalog.DEFAULT.find(spec).isPresent()
                || Files.isRegularFile(Path.of(spec));
    }

    ChatModel client(String spec) {
        return loaded.computeIfAbsent(spec, s -> isLocal(s)
                ? local.apply(s).buildChatModel() // a role needs no DRO prompt
                : retrying(api.apply(s, reasoningModels.contains(s))));
    }

    private ChatModel retrying(ChatModel model) {
        if (retries.maxAttempts() == 1) {
            return model;
        }
        return model instanceof OpenAiBackend b ? new RetryingChatModel(b, retries, b.maxConcurrency())
                : new RetryingChatModel(model, retries);
    }

    @Override
    public void close() {
        loaded.values().forEach(ChatModel::close);
    }
}
