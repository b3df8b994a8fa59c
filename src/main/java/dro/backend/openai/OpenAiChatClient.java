package dro.backend.openai;

import static dro.internal.Validation.ensureNotBlank;
import static dro.internal.Validation.ensureNotNull;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.LogLevel;
import com.openai.core.Timeout;
import com.openai.core.http.StreamResponse;
import com.openai.core.JsonValue;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import dro.Environment;
import dro.ApiException;
import dro.DroException;
import dro.FinishReason;
import dro.InvalidRequestException;
import dro.InvalidResponseException;
import dro.Usage;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection of an {@link OpenAiBackend} to any endpoint that speaks OpenAI's chat-completions protocol: OpenAI
 * itself, or a local or hosted server (vLLM, llama.cpp's server, Ollama, ...) given by its base URL. Built on
 * {@code com.openai:openai-java}.
 *
 * <h2>Configuration</h2>
 * <ul>
 *   <li>API key: {@link Builder#apiKey}, else the environment variable {@value #API_KEY_VARIABLE}. Without one,
 *   {@link Builder#build()} fails naming the variable. The key is sent as a bearer token and never logged: keys and
 *   {@code Authorization} headers are removed from every log line and exception message.</li>
 *   <li>Base URL: {@link Builder#baseUrl}, else {@value #BASE_URL_VARIABLE}, else {@value #DEFAULT_BASE_URL}.</li>
 *   <li>{@link Builder#timeout}: the limit for one HTTP request (connecting, sending, the whole answer).</li>
 * </ul>
 *
 * <h2>One attempt</h2>
 * The client makes one attempt per call and retries nothing (openai-java's own retries are off too): every failure
 * is mapped to a {@link DroException} that says whether a retry may help ({@link DroException#isRetriable()}: 429,
 * 5xx, timeouts, broken connections, answers that are not a readable chat completion) and how long the endpoint asked
 * to wait ({@link DroException#retryAfter()}). Retries are the job of the one retry layer,
 * {@link dro.backend.RetryingChatModel} over the {@link OpenAiBackend}, which {@code AutoModel} and the run commands
 * put there. See {@link dro.ApiException} for what is thrown.
 *
 * <h2>What is sent</h2>
 * {@code POST <baseUrl>/chat/completions} with a system message (left out when empty) and a user message,
 * {@code temperature}, {@code top_p}, {@code max_tokens}, {@code n}, {@code seed} (if given), {@code stop} (if any;
 * at most 4) and, in JSON mode, {@code response_format: {"type": "json_object"}}. The token usage comes from the
 * answer's {@code usage} field ({@link Usage#evaluatedPromptTokens()} is -1).
 *
 * <p>For a reasoning model ({@link Builder#reasoningModel}: OpenAI's o-series and GPT-5 models), the token limit is
 * sent as {@code max_completion_tokens}, and {@code temperature} and {@code top_p} are not sent: such models reject
 * {@code max_tokens} and accept only their default sampling. Their limit also counts the hidden reasoning tokens, so
 * give them room: an answer cut short by the limit ends with {@link dro.FinishReason#LENGTH}, possibly empty.
 *
 * <p>Thread-safe; share one client. {@link #close()} releases its connections.
 */
public final class OpenAiChatClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OpenAiChatClient.class);

    /** The environment variable the API key is read from. */
    public static final String API_KEY_VARIABLE = "OPENAI_API_KEY";
    /** The environment variable the base URL is read from. */
    public static final String BASE_URL_VARIABLE = "OPENAI_BASE_URL";
    /** OpenAI's own endpoint, used when no base URL is given. */
    public static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";
    /** Stop strings the chat-completions API accepts per request. */
    public static final int MAX_STOP_STRINGS = 4;

    private final OpenAIClient client;
    private final String model;
    private final String baseUrl;
    private final Duration timeout;
    private final OpenAiErrors errors;
    private final boolean reasoningModel;

    private OpenAiChatClient(String model, String apiKey, String baseUrl, Duration timeout, Clock clock,
                             boolean reasoningModel) {
        this.model = model;
        this.reasoningModel = reasoningModel;
        this.baseUrl = baseUrl;
        this.timeout = timeout;
        this.errors = new OpenAiErrors(displayUrl(baseUrl), model, timeout, new Redactor(apiKey), clock);
        OpenAIOkHttpClient.Builder b = OpenAIOkHttpClient.builder()
                .apiKey(apiKey)
                .baseUrl(baseUrl)
                .maxRetries(0)              // one attempt: dro4j retries in RetryingChatModel
                .logLevel(LogLevel.OFF);    // openai-java would print to stdout when OPENAI_LOG is set
        if (timeout != null) {
            b.timeout(Timeout.builder().connect(timeout).read(timeout).write(timeout).request(timeout).build());
        }
        this.client = b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The model name sent with every request. */
    public String modelName() {
        return model;
    }

    /** The base URL requests go to, e.g. {@code https://api.openai.com/v1}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** The limit for one HTTP request, or null for openai-java's defaults (10 minutes). */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Whether the model is a reasoning model: {@code max_completion_tokens} is sent instead of {@code max_tokens}, and
     * no {@code temperature} or {@code top_p}.
     */
    public boolean reasoningModel() {
        return reasoningModel;
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "OpenAiChatClient{" + errors.where() + "}";
    }

    // ---- used by OpenAiBackend ----

    /** The {@code n} replies of one call, with their finish reasons. */
    dro.backend.ChatModelResponse completeAll(ChatCompletionCreateParams params, int n) {
        return call(() -> response(client.chat().completions().create(params), n));
    }

    /** A chat completion as the replies of a request for {@code n} of them. */
    dro.backend.ChatModelResponse response(ChatCompletion c, int n) {
        List<ChatCompletion.Choice> choices = choices(c);
        if (choices.size() < n) {
            log.warn("{} sent {} of the {} replies asked for (n)", errors.where(), choices.size(), n);
        }
        List<String> texts = choices.stream().map(ch -> ch.message().content().orElse("")).toList();
        List<FinishReason> reasons = choices.stream().map(ch -> ch._finishReason().asKnown()
                .map(f -> finishReason(f.asString())).orElse(FinishReason.STOP)).toList();
        return new dro.backend.ChatModelResponse(texts, usage(c), reasons);
    }

    /** openai-java's client (for the Files and Batches services). */
    OpenAIClient api() {
        return client;
    }

    /** Opens a stream of chunks (one attempt). */
    StreamResponse<ChatCompletionChunk> openStream(ChatCompletionCreateParams params) {
        return call(() -> client.chat().completions().createStreaming(params));
    }

    OpenAiErrors errors() {
        return errors;
    }

    ChatCompletionCreateParams params(String system, String user, double temperature, double topP, int maxTokens,
                                      int n, Long seed, dro.backend.ResponseFormat format, List<String> stop,
                                      boolean stream) {
        ChatCompletionCreateParams.Builder p = ChatCompletionCreateParams.builder().model(model);
        if (system != null && !system.isEmpty()) {
            p.addSystemMessage(system);
        }
        p.addUserMessage(user).n(n);
        if (reasoningModel) {
            p.maxCompletionTokens(maxTokens);
        } else {
            p.temperature(temperature).topP(topP).maxTokens(maxTokens);
        }
        if (seed != null) {
            p.seed(seed);
        }
        if (!stop.isEmpty()) {
            p.stop(ChatCompletionCreateParams.Stop.ofStrings(stop));
        }
        switch (format.type()) {
            case JSON_OBJECT -> p.responseFormat(ResponseFormatJsonObject.builder().build());
            case JSON_SCHEMA -> p.responseFormat(jsonSchema(format.schema()));
            case TEXT -> { }
        }
        if (stream) {
            p.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
        }
        log.debug("POST {}/chat/completions: model \"{}\", system {} chars, user {} chars, {} {}, n {},"
                + " stream {}", displayUrl(baseUrl), model, system == null ? 0 : system.length(), user.length(),
                reasoningModel ? "max_completion_tokens" : "max_tokens", maxTokens, n, stream);
        return p.build();
    }

    /**
     * {@code response_format: {"type": "json_schema", "json_schema": {"name": "reply", "strict": true, "schema": ...}}}:
     * OpenAI holds the reply to the schema (strict mode takes a subset of JSON Schema: every property required,
     * {@code additionalProperties: false}; OpenAI names what else it refuses in its 400).
     *
     * @throws InvalidRequestException if the schema is not a JSON object
     */
    static ResponseFormatJsonSchema jsonSchema(String schema) {
        Map<String, Object> fields;
        try {
            fields = dro.internal.Json.MAPPER.readValue(schema,
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidRequestException("The response format's JSON schema is not a JSON object: "
                    + dro.internal.Validation.quote(schema) + " (" + e.getOriginalMessage() + ")");
        }
        ResponseFormatJsonSchema.JsonSchema.Schema.Builder s = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
        fields.forEach((k, v) -> s.putAdditionalProperty(k, JsonValue.from(v)));
        return ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name("reply").strict(true).schema(s.build()).build()).build();
    }

    static FinishReason finishReason(String reason) {
        return "length".equals(reason) ? FinishReason.LENGTH : FinishReason.STOP;
    }

    static Usage usage(CompletionUsage u) {
        return new Usage((int) u.promptTokens(), (int) u.completionTokens(), -1);
    }

    /** Makes one attempt, its failure mapped to a {@link DroException}. */
    private <T> T call(Supplier<T> attempt) {
        try {
            return attempt.get();
        } catch (RuntimeException e) {
            throw errors.map(e);
        }
    }

    private List<ChatCompletion.Choice> choices(ChatCompletion c) {
        List<ChatCompletion.Choice> choices = new ArrayList<>(c.choices());
        if (choices.isEmpty()) {
            throw new InvalidResponseException("The answer from " + errors.where() + " has no choices", -1, "", null,
                    null);
        }
        choices.sort(Comparator.comparingLong(ChatCompletion.Choice::index));
        return choices;
    }

    private Usage usage(ChatCompletion c) {
        return c.usage().map(OpenAiChatClient::usage).orElseGet(() -> {
            log.debug("{} sent no usage", errors.where());
            return Usage.NONE;
        });
    }

    /** The URL without user info, query or fragment, for messages. */
    static String displayUrl(String url) {
        try {
            URI u = new URI(url);
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
        } catch (URISyntaxException e) {
            return "(invalid URL)";
        }
    }

    /**
     * Settings of an {@link OpenAiChatClient}; {@link #build()} checks them and resolves the key and base URL from
     * the environment when not given.
     */
    public static final class Builder {
        private String model;
        private String apiKey;
        private String baseUrl;
        private Environment environment = Environment.SYSTEM;
        private Duration timeout;
        private Clock clock = Clock.systemUTC();
        private boolean reasoningModel;

        private Builder() { }

        /** The model name the endpoint knows, e.g. {@code gpt-4o-mini}. */
        public Builder model(String model) {
            this.model = model;
            return this;
        }

        /** The API key; default the environment variable {@value #API_KEY_VARIABLE}. */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /** The endpoint, e.g. {@code http://localhost:8000/v1}; default {@value #BASE_URL_VARIABLE}, else OpenAI. */
        public Builder baseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        /** Where environment variables are read from (default {@link Environment#SYSTEM}). */
        public Builder environment(Environment environment) {
            this.environment = environment;
            return this;
        }

        /** The limit for one HTTP request; default openai-java's (10 minutes). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** The clock a {@code Retry-After} given as an HTTP date is measured against; default the system's (UTC). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Whether the model is a reasoning model (OpenAI's o-series, GPT-5): the token limit goes out as
         * {@code max_completion_tokens}, and {@code temperature} and {@code top_p} are not sent, since such models
         * reject {@code max_tokens} and any sampling but their default. Default false, for every other model and
         * for OpenAI-compatible servers.
         */
        public Builder reasoningModel(boolean reasoningModel) {
            this.reasoningModel = reasoningModel;
            return this;
        }

        /**
         * @throws InvalidRequestException naming a setting that is missing or wrong, e.g. no API key
         */
        public OpenAiChatClient build() {
            ensureNotBlank(model, "model");
            ensureNotNull(environment, "environment");
            ensureNotNull(clock, "clock");
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new InvalidRequestException("timeout must be positive, but was " + timeout);
            }
            String url = baseUrl != null ? checkUrl(baseUrl, "baseUrl") : null;
            if (url == null) {
                String fromEnv = environment.get(BASE_URL_VARIABLE);
                url = fromEnv != null && !fromEnv.isBlank() ? checkUrl(fromEnv, BASE_URL_VARIABLE) : DEFAULT_BASE_URL;
            }
            String key = apiKey;
            if (key == null) {
                key = environment.get(API_KEY_VARIABLE);
                if (key == null || key.isBlank()) {
                    throw new InvalidRequestException("The environment variable " + API_KEY_VARIABLE + " is not set:"
                            + " set it to the endpoint's API key (any non-empty value for a server that needs"
                            + " none), or give apiKey(...)");
                }
            } else if (key.isBlank()) {
                throw new InvalidRequestException("apiKey must not be empty");
            }
            if (reasoningModel) {
                log.info("{} is a reasoning model: its token limit is sent as max_completion_tokens, and no"
                        + " temperature or top_p is sent (it samples with its defaults)", model);
            }
            return new OpenAiChatClient(model, key.strip(), url, timeout, clock, reasoningModel);
        }

        private static String checkUrl(String url, String name) {
            String u = dro.internal.Validation.httpUrl(url);
            if (u != null) {
                return u;
            }
            throw new InvalidRequestException(name + " must be an http or https URL such as " + DEFAULT_BASE_URL
                    + ", but was \"" + displayOrRaw(url) + "\"");
        }

        private static String displayOrRaw(String url) {
            String d = displayUrl(url.strip());
            return d.equals("(invalid URL)") ? url.strip() : d;
        }
    }
}
