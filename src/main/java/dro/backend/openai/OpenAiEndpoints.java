package dro.backend.openai;

import static dro.internal.Validation.ensureNotBlank;
import static dro.internal.Validation.ensureNotEmpty;
import static dro.internal.Validation.ensureNotNull;

import dro.Environment;
import dro.InvalidRequestException;
import dro.backend.Endpoint;
import dro.backend.RoutingChatModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the {@link RoutingChatModel} of one model name over several OpenAI-compatible {@link Endpoint}s: one
 * {@link OpenAiBackend} per endpoint, with the endpoint's key (from its {@code api_key_env}), its model name if it
 * gives one. Each endpoint makes one attempt per call and the router sends each attempt to one endpoint; put a
 * {@link dro.backend.RetryingChatModel} over the router to retry (a retried attempt goes to another endpoint, the
 * failed one resting).
 */
public final class OpenAiEndpoints {

    private OpenAiEndpoints() { }

    /**
     * The router for {@code model} over {@code endpoints}.
     *
     * @param model          the model name asked for (an endpoint's {@code model} overrides it there); the router's
     *                       name
     * @param reasoningModel whether it is a reasoning model (see {@link OpenAiChatClient.Builder#reasoningModel})
     * @param environment    where the endpoints' key variables are read
     * @param timeout        the limit for one HTTP request, or null for openai-java's default
     * @param pool           the endpoints' shared load, rests and figures (one per run, shared by its routers)
     * @throws InvalidRequestException naming the endpoint whose key variable is not set
     */
    public static RoutingChatModel router(List<Endpoint> endpoints, String model, boolean reasoningModel,
                                          Environment environment, Duration timeout,
                                          RoutingChatModel.Pool pool) {
        ensureNotEmpty(endpoints, "endpoints");
        ensureNotBlank(model, "model");
        ensureNotNull(environment, "environment");
        List<OpenAiBackend> made = new ArrayList<>();
        try {
            RoutingChatModel.Builder b = RoutingChatModel.builder().modelName(model).pool(pool);
            for (int i = 0; i < endpoints.size(); i++) {
                Endpoint e = ensureNotNull(endpoints.get(i), "endpoints[" + i + "]");
                int index = i;
                String key = environment.nonBlank(e.apiKeyEnv()).orElseThrow(() -> new InvalidRequestException(
                        "endpoints[" + index + "] (" + e.name() + "): the environment variable " + e.apiKeyEnv()
                                + " (api_key_env) is not set; set it to the endpoint's API key (any non-empty value"
                                + " for a server that needs none)"));
                OpenAiBackend backend = OpenAiBackend.create(OpenAiChatClient.builder().model(e.modelFor(model))
                        .apiKey(key).baseUrl(e.baseUrl()).timeout(timeout).reasoningModel(reasoningModel)
                        .environment(environment).build(), e.maxConcurrency());
                made.add(backend);
                b.endpoint(e.name(), backend, e.maxConcurrency(), e.weight());
            }
            return b.build();
        } catch (RuntimeException e) {
            made.forEach(OpenAiBackend::close);
            throw e;
        }
    }
}
