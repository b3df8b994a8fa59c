package dro;

import static dro.internal.Validation.ensureBetween;
import static dro.internal.Validation.ensureNotBlank;
import static dro.internal.Validation.ensureNotNull;
import static dro.internal.Validation.ensurePositive;

import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ModelCapabilities;
import dro.backend.ResponseFormat;
import dro.backend.llamacpp.GpuInfo;
import dro.backend.llamacpp.LlamaCppBackend;
import dro.backend.llamacpp.LlamaCppSettings;
import dro.backend.Endpoint;
import dro.backend.RoutingChatModel;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiEndpoints;
import dro.backend.openai.OpenAiChatClient;
import dro.backend.RetryPolicy;
import dro.backend.RetryingChatModel;
import dro.compat.OriginalPrompts;
import dro.compat.internal.RegistryPrompts;
import dro.gguf.GgufFile;
import dro.hub.DownloadListener;
import dro.hub.HubClient;
import dro.hub.ResolvedModel;
import dro.icl.Embedder;
import dro.icl.IclExample;
import dro.icl.IclExamples;
import dro.icl.internal.IclRetriever;
import dro.icl.MiniLmEmbedder;
import dro.internal.CacheDirs;
import dro.prompt.internal.PromptAssembler;
import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptRegistry;
import dro.prompt.internal.PromptResources;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DRO-aligned generation: a model answers behind its optimised system prompt plus the in-context examples most
 * similar to the query (Dynamic Rewarding with Prompt Optimization, Singla et al., EMNLP 2024).
 *
 * <h2>Use</h2>
 * <pre>{@code
 * try (AutoModel model = AutoModel.builder().model("mistralai/Mistral-7B-v0.1").build()) {
 *     String answer = model.generate("How do I make a cake?");
 * }
 * }</pre>
 * or, on any OpenAI-compatible endpoint ({@code OPENAI_API_KEY}, and {@code OPENAI_BASE_URL} if not OpenAI's):
 * <pre>{@code
 * try (AutoModel model = AutoModel.builder().openAiModel(true).model("gpt-4o-mini").build()) { ... }
 * }</pre>
 *
 * <h2>Models by name</h2>
 * {@link Builder#model(String)} takes a GGUF file, a model name of the original ({@code mistralai/Mistral-7B-v0.1},
 * or short: {@code mistral-7b}) or {@code hf://owner/repo/file.gguf}; names are downloaded from the Hugging Face hub
 * once and cached (see {@link HubClient}). The optimised prompt, unless given, is looked up in the
 * {@link PromptRegistry} by the model's names, then by its GGUF metadata. A model named by a name of the original's
 * released runs ({@code mistral-7b}, {@code gpt-3.5-turbo}, ...) whose prompt is not there gets it pulled into the
 * user's store once, unless offline (see {@link OriginalPrompts} and {@link Builder#pullPrompts}); if that fails, it
 * answers under the base alignment prompt, with a WARN. {@link #systemPromptSource()} and
 * {@link AssembledPrompt#systemPromptSource()} say which prompt is used.
 *
 * <h2>What is sent</h2>
 * The system prompt is your own ({@link GenerateOptions#userSpecifiedSystemPrompt()}), else the model's optimised
 * prompt, else the base alignment prompt; the top {@code numOptimizedIcl} examples are appended to it; the user turn
 * is {@code # Query:\n<query>\n\n# Answer:\n<START>}. {@link #assemble} shows exactly what a query becomes.
 *
 * <h2>Prefix reuse</h2>
 * A DRO prompt is long and mostly repeated: the system prompt and the examples come before every query. A local model
 * keeps what it computed for the prompt last run in each of its slots and evaluates only what follows the longest
 * shared prefix; each request goes to the idle slot that shares most with it. {@link Usage#evaluatedPromptTokens()}
 * counts the prompt tokens actually evaluated. Two {@link GenerateOptions} make more of the prompt shared (both off by
 * default, which keeps the original's prompt and order):
 * <ul>
 *   <li>{@link GenerateOptions.Builder#iclOrder iclOrder(IclOrder.FILE)}: the retrieved examples in the ICL file's
 *   order instead of most similar first, so queries that retrieve the same examples get the same system prompt. This
 *   changes the prompt.</li>
 *   <li>{@link GenerateOptions.Builder#groupSharedPrefixes groupSharedPrefixes(true)}: {@link #generateAll} computes
 *   queries whose prompts share a prefix one after another on one slot. Answers stay in query order.</li>
 * </ul>
 *
 * <h2>Lifecycle and threads</h2>
 * Building loads the model; build once and share. All methods are thread-safe; concurrent calls to a local model run
 * in its parallel slots ({@link Builder#parallelSlots}; a call waits while all are busy, and a {@link TokenStream}
 * holds its slot until it ends or is closed), to an API model as concurrent requests ({@link Builder#maxConcurrency}
 * for {@link #generateAll}). {@link #close()} releases the model. Local models of the same file and load settings
 * share one loaded llama.cpp model and its parallel slots; closing one cancels its own generations in progress and
 * leaves the others running, and the last close keeps the loaded model idle for the next build (docs/NATIVE-AND-GPU.md,
 * "Shared models").
 *
 * <h2>Exiting the JVM, and what {@code close()} frees (local models)</h2>
 * The llama.cpp binding ({@code de.kherud:llama} 4.2.0) runs each loaded model's task loop on a native thread that it
 * attaches to the JVM as a non-daemon thread and never detaches, which would keep the JVM alive after {@code main}
 * returns, closed model or not. On 64-bit Linux dro4j makes that thread attach as a daemon instead (it redirects the
 * binding's own {@code AttachCurrentThread} call to {@code AttachCurrentThreadAsDaemon} when the native library is
 * loaded), so a program ends when {@code main} returns, with no {@link System#exit(int)}. What remains:
 * <ul>
 *   <li>On macOS and Windows, or with a native library whose symbols cannot be verified, the binding is left as it
 *   is (one warning is logged) and the program must end with {@link System#exit(int)}. So does one run with the system
 *   property {@code dro4j.native.daemonThreads=false}, which turns the workaround off.</li>
 *   <li>The thread is never detached, and the binding cannot free a model's native memory (weights, KV cache,
 *   buffers). So a loaded model is kept for the life of the JVM and shared: building again with the same file and
 *   load settings takes it over instead of loading it again (figures in {@code docs/BENCHMARKS.md}); each other
 *   file or setting costs one load more, for good.</li>
 *   <li>A model not closed when the JVM ends may still be generating; close it first. The last {@code close()} of a
 *   loaded model returns once llama.cpp has nothing left to compute.</li>
 * </ul>
 */
public final class AutoModel implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AutoModel.class);

    private final ChatModel backend;
    private final String modelName;
    private final String optimizedPrompt;
    private final SystemPromptSource optimizedPromptSource;
    private final List<IclExample> iclExamples;
    private final Embedder embedder;
    private final Path embeddingCacheDir;
    private final GenerateOptions defaultOptions;
    private volatile IclRetriever retriever;

    private AutoModel(Builder b, ChatModel backend, String optimizedPrompt, SystemPromptSource source,
                      List<IclExample> icl) {
        this.backend = backend;
        this.modelName = b.model != null ? b.model : "custom backend";
        this.optimizedPrompt = optimizedPrompt;
        this.optimizedPromptSource = optimizedPrompt != null ? source : SystemPromptSource.BASE;
        this.iclExamples = icl;
        this.embedder = b.embedder;
        this.embeddingCacheDir = b.embeddingCacheDir;
        this.defaultOptions = b.defaultOptions;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The answer to {@code query} with the model's {@linkplain #defaultOptions() default options}. */
    public String generate(String query) {
        return generate(query, GenerateOptions.DEFAULTS);
    }

    /**
     * The options every call starts from ({@link Builder#defaultOptions}); a call's options override the options
     * they set ({@link GenerateOptions#overrideWith}).
     */
    public GenerateOptions defaultOptions() {
        return defaultOptions;
    }

    /** The answer to {@code query}: the text the model wrote before {@code <END>}, without markers. */
    public String generate(String query, GenerateOptions options) {
        return complete(query, options).text();
    }

    /** The answer with its token usage and finish reason. */
    public Generation complete(String query, GenerateOptions options) {
        options = resolve(options);
        return clean(generation(backend.chat(request(assembleParts(query, options), options))));
    }

    /**
     * {@code n} answers to {@code query}, sampled in one request to the model: an API model is sent {@code n}; a local
     * model generates them in its parallel slots, with seeds {@code seed, seed + 1, ...} when a seed is set.
     *
     * @param n how many answers, at least 1
     * @return the {@code n} answers, each cleaned as in {@link #generate(String, GenerateOptions)}, with their finish
     *         reasons; the usage counts the prompt once and the tokens of every answer (an API may send fewer answers
     *         than asked for)
     */
    public ChatModelResponse complete(String query, GenerateOptions options, int n) {
        return complete(query, options, n, ResponseFormat.TEXT);
    }

    /**
     * {@code n} answers as {@link #complete(String, GenerateOptions, int)} gives them, in {@code format} (one JSON
     * object, or JSON following a schema) where the model's {@linkplain #capabilities() capabilities} have it.
     *
     * @throws InvalidRequestException when the model cannot enforce {@code format}
     */
    public ChatModelResponse complete(String query, GenerateOptions options, int n, ResponseFormat format) {
        ensurePositive(n, "n");
        ensureNotNull(format, "format");
        options = resolve(options);
        ChatModelRequest request = request(assembleParts(query, options), options).toBuilder().n(n)
                .responseFormat(format).build();
        ChatModelResponse r = backend.chat(request);
        return new ChatModelResponse(r.texts().stream().map(PromptAssembler::answer).toList(), r.usage(),
                r.finishReasons());
    }

    /**
     * Generates while handing each piece of text to {@code onToken} as it is produced.
     *
     * @return the whole generation, its text cleaned as in {@link #generate(String, GenerateOptions)}
     */
    public Generation generate(String query, GenerateOptions options, Consumer<String> onToken) {
        try (TokenStream s = stream(query, options)) {
            while (s.hasNext()) {
                onToken.accept(s.next());
            }
            return s.result();
        }
    }

    /**
     * Starts a generation whose pieces can be iterated as they come and cancelled. Its {@link TokenStream#result()}
     * holds the cleaned answer.
     */
    public TokenStream stream(String query, GenerateOptions options) {
        return stream(query, options, ResponseFormat.TEXT);
    }

    /**
     * A stream as {@link #stream(String, GenerateOptions)} starts it, in {@code format} (one JSON object, or JSON
     * following a schema) where the model's {@linkplain #capabilities() capabilities} have it.
     *
     * @throws InvalidRequestException when the model cannot enforce {@code format}
     */
    public TokenStream stream(String query, GenerateOptions options, ResponseFormat format) {
        ensureNotNull(format, "format");
        options = resolve(options);
        TokenStream raw = backend.stream(request(assembleParts(query, options), options).toBuilder()
                .responseFormat(format).build());
        return new TokenStream() {
            @Override
            public boolean hasNext() {
                return raw.hasNext();
            }

            @Override
            public String next() {
                return raw.next();
            }

            @Override
            public void cancel() {
                raw.cancel();
            }

            @Override
            public Generation result() {
                return clean(raw.result());
            }

            @Override
            public void close() {
                raw.close();
            }
        };
    }

    /** Answers to several queries, generated as concurrently as the backend allows; in query order. */
    public List<String> generateAll(List<String> queries, GenerateOptions options) {
        return completeAll(queries, options).stream().map(Generation::text).toList();
    }

    /** Like {@link #generateAll} with usage and finish reasons. Every query is checked before any is generated. */
    public List<Generation> completeAll(List<String> queries, GenerateOptions options) {
        ensureNotNull(queries, "queries");
        options = resolve(options);
        List<ChatModelRequest> requests = new ArrayList<>(queries.size());
        for (int i = 0; i < queries.size(); i++) {
            String q = queries.get(i);
            if (q == null || q.isBlank()) {
                throw new InvalidRequestException("queries[" + i + "] must not be empty, but was "
                        + (q == null ? "null" : "\"" + q + "\""));
            }
            requests.add(request(assembleParts(q, options), options));
        }
        List<ChatModelResponse> out = options.groupSharedPrefixes() ? backend.chatAllSharingPrefixes(requests)
                : backend.chatAll(requests);
        return out.stream().map(r -> clean(generation(r))).toList();
    }

    /** Exactly what would be sent for {@code query}, without generating. */
    public AssembledPrompt assemble(String query, GenerateOptions options) {
        options = resolve(options);
        AssembledPrompt parts = assembleParts(query, options);
        return new AssembledPrompt(parts.system(), parts.user(), backend.renderPrompt(request(parts, options)),
                parts.examples(), parts.systemPromptSource());
    }

    /**
     * What the model behind this facade supports (JSON object or schema mode, seeds, ...): ask before asking for a
     * {@link ResponseFormat} other than text.
     */
    public ModelCapabilities capabilities() {
        return backend.capabilities();
    }

    /** The system prompt used when the optimised prompt is asked for. */
    public String systemPrompt() {
        return optimizedPrompt != null ? optimizedPrompt : PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT);
    }

    /** Where {@link #systemPrompt()} came from: a registry entry, the builder, or the base alignment prompt. */
    public SystemPromptSource systemPromptSource() {
        return optimizedPromptSource;
    }

    @Override
    public void close() {
        backend.close();
    }

    /** A call's options laid over the model's default options. */
    private GenerateOptions resolve(GenerateOptions options) {
        return defaultOptions.overrideWith(ensureNotNull(options, "options"));
    }

    private AssembledPrompt assembleParts(String query, GenerateOptions options) {
        ensureNotBlank(query, "query");
        String system;
        SystemPromptSource source;
        if (options.userSpecifiedSystemPrompt() != null) {
            system = options.userSpecifiedSystemPrompt();
            source = SystemPromptSource.USER;
        } else if (options.optimizedPrompt()) {
            system = systemPrompt();
            source = optimizedPromptSource;
        } else {
            system = PromptResources.get(PromptResources.BASE_ALIGNMENT_PROMPT);
            source = SystemPromptSource.BASE;
        }
        List<IclExample> examples = List.of();
        if (options.optimizedIcl()) {
            examples = retriever().topK(query, options.numOptimizedIcl(), options.iclOrder()).stream()
                    .map(IclRetriever.Scored::example).toList();
        }
        return new AssembledPrompt(PromptAssembler.system(system, examples), PromptAssembler.user(query), "",
                examples, source);
    }

    private static ChatModelRequest request(AssembledPrompt parts, GenerateOptions o) {
        return ChatModelRequest.builder(parts.system(), parts.user()).temperature(o.temperature()).topP(o.topP())
                .maxNewTokens(o.maxNewTokens()).stop(o.stop()).seed(o.seed()).build();
    }

    private static Generation generation(ChatModelResponse r) {
        return new Generation(r.text(), r.usage(), r.finishReason());
    }

    private Generation clean(Generation g) {
        return g.withText(PromptAssembler.answer(g.text()));
    }

    private IclRetriever retriever() {
        IclRetriever r = retriever;
        if (r == null) {
            synchronized (this) {
                r = retriever;
                if (r == null) {
                    r = new IclRetriever(iclExamples, embedder, embeddingCacheDir);
                    retriever = r;
                }
            }
        }
        return r;
    }

    /** The kinds of model a {@link Builder} builds; each {@link Setting} applies to some of them. */
    enum Kind {
        /** A GGUF file given by path ({@code model(Path)}, or {@code model(String)} naming an existing file). */
        LOCAL_FILE("A local model file"),
        /** A local model named by name (catalogue or {@code hf://}), downloaded once. */
        LOCAL_NAME("A local model"),
        /** {@code openAiModel(true)}: one OpenAI-compatible endpoint. */
        API("openAiModel(true)"),
        /** {@code openAiModel(true)} with {@code endpoints}. */
        ENDPOINTS("openAiModel(true) with endpoints"),
        /** {@code chatModel(x)}: the given model, as it is. */
        CHAT_MODEL("chatModel");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** Which kinds of model a group of settings applies to, and how a refusal names the group. */
    enum Scope {
        LOCAL("settings for local models", Kind.LOCAL_FILE, Kind.LOCAL_NAME),
        DOWNLOAD("settings for downloading a model by name", Kind.LOCAL_NAME),
        ONE_ENDPOINT("settings for one OpenAI-compatible endpoint (set openAiModel(true) for those; with endpoints,"
                + " give them per endpoint)", Kind.API),
        API("settings for OpenAI-compatible models (set openAiModel(true) for those)", Kind.API, Kind.ENDPOINTS),
        ENDPOINTS("settings for several endpoints of OpenAI-compatible models (set openAiModel(true) and endpoints"
                + " for those)", Kind.ENDPOINTS),
        PULL("settings for pulling the original's prompts, which models named by name get", Kind.LOCAL_NAME,
                Kind.API, Kind.ENDPOINTS),
        LOADED("settings for a model dro4j loads (chatModel runs yours as it is)", Kind.LOCAL_FILE,
                Kind.LOCAL_NAME, Kind.API, Kind.ENDPOINTS),
        /** Prompt and examples: every kind, but not the bare model of {@link Builder#buildChatModel()}. */
        PROMPTS("settings for prompts and examples (build() uses them)", Kind.values()),
        CHAT_MODEL("chatModel (a model to run instead of one dro4j loads)", Kind.CHAT_MODEL),
        /** Chooses the kind itself. */
        KIND("", Kind.values());

        final String phrase;
        final java.util.Set<Kind> kinds;

        Scope(String phrase, Kind... kinds) {
            this.phrase = phrase;
            this.kinds = java.util.EnumSet.copyOf(List.of(kinds));
        }
    }

    /** Every setting of {@link Builder}, by its setter's name, and the scope it applies in. */
    enum Setting {
        MODEL("model", Scope.LOADED),
        NUM_GPUS("numGpus", Scope.LOCAL),
        CUDA_VISIBLE_DEVICES("cudaVisibleDevices", Scope.LOCAL),
        DTYPE("dtype", Scope.LOCAL),
        GPU_MEMORY_UTILIZATION("gpuMemoryUtilization", Scope.LOCAL),
        MAX_MODEL_LEN("maxModelLen", Scope.LOCAL),
        TIMEOUT("timeout", Scope.LOADED),
        GPU_LAYERS("gpuLayers", Scope.LOCAL),
        THREADS("threads", Scope.LOCAL),
        PARALLEL_SLOTS("parallelSlots", Scope.LOCAL),
        NATIVE_LIBRARY_PATH("nativeLibraryPath", Scope.LOCAL),
        OPTIMIZED_PROMPT("optimizedPrompt", Scope.PROMPTS),
        OPTIMIZED_PROMPT_FILE("optimizedPromptFile", Scope.PROMPTS),
        ICL_EXAMPLES("iclExamples", Scope.PROMPTS),
        ICL_FILE("iclFile", Scope.PROMPTS),
        EMBEDDER("embedder", Scope.PROMPTS),
        EMBEDDING_CACHE_DIR("embeddingCacheDir", Scope.PROMPTS),
        DEFAULT_OPTIONS("defaultOptions", Scope.PROMPTS),
        CHAT_MODEL("chatModel", Scope.CHAT_MODEL),
        HUB_CLIENT("hubClient", Scope.DOWNLOAD),
        MODEL_CACHE_DIR("modelCacheDir", Scope.DOWNLOAD),
        OFFLINE("offline", Scope.DOWNLOAD),
        QUANTIZATION("quantization", Scope.DOWNLOAD),
        DOWNLOAD_LISTENER("downloadListener", Scope.DOWNLOAD),
        PROMPT_REGISTRY("promptRegistry", Scope.LOADED),
        PROMPT_SOURCE("promptSource", Scope.PULL),
        ORIGINAL_PROMPTS("originalPrompts", Scope.PULL),
        PULL_PROMPTS("pullPrompts", Scope.PULL),
        OPEN_AI_MODEL("openAiModel", Scope.KIND),
        API_KEY("apiKey", Scope.ONE_ENDPOINT),
        BASE_URL("baseUrl", Scope.ONE_ENDPOINT),
        REASONING_MODEL("reasoningModel", Scope.API),
        ENDPOINTS("endpoints", Scope.ENDPOINTS),
        ENDPOINT_POOL("endpointPool", Scope.ENDPOINTS),
        MAX_CONCURRENCY("maxConcurrency", Scope.ONE_ENDPOINT),
        MAX_ATTEMPTS("maxAttempts", Scope.API),
        RETRY_POLICY("retryPolicy", Scope.API),
        ENVIRONMENT("environment", Scope.API);

        final String setter;
        final Scope scope;

        Setting(String setter, Scope scope) {
            this.setter = setter;
            this.scope = scope;
        }
    }

    /**
     * The original's constructor settings ({@code model_name}, {@code num_gpus}, {@code cuda_visible_devices},
     * {@code dtype}, {@code gpu_memory_utilization}, {@code max_model_len}, {@code timeout}, {@code open_ai_model})
     * plus llama.cpp's own and the endpoint's. Every setting is honoured or refused by {@link #build()} with an
     * {@link InvalidRequestException} naming it. The builder records which settings were given (a setter given null
     * unsets its setting), so a setting given with its default value counts as given.
     *
     * <table>
     *   <caption>Which settings each kind of model honours</caption>
     *   <tr><th>settings</th><th>local file</th><th>local by name</th><th>{@code openAiModel(true)}</th>
     *       <th>with {@code endpoints}</th><th>{@code chatModel(x)}</th></tr>
     *   <tr><td>model, timeout, promptRegistry</td><td>yes</td><td>yes</td><td>yes</td><td>yes</td><td>no</td></tr>
     *   <tr><td>numGpus, cudaVisibleDevices, dtype, gpuMemoryUtilization, maxModelLen, gpuLayers, threads,
     *       parallelSlots, nativeLibraryPath</td><td>yes</td><td>yes</td><td>no</td><td>no</td><td>no</td></tr>
     *   <tr><td>hubClient, modelCacheDir, offline, quantization, downloadListener</td><td>no</td><td>yes</td>
     *       <td>no</td><td>no</td><td>no</td></tr>
     *   <tr><td>promptSource, originalPrompts, pullPrompts</td><td>no</td><td>yes</td><td>yes</td><td>yes</td>
     *       <td>no</td></tr>
     *   <tr><td>apiKey, baseUrl, maxConcurrency</td><td>no</td><td>no</td><td>yes</td><td>no (per endpoint)</td>
     *       <td>no</td></tr>
     *   <tr><td>reasoningModel, maxAttempts, retryPolicy, environment</td><td>no</td><td>no</td><td>yes</td><td>yes</td>
     *       <td>no</td></tr>
     *   <tr><td>endpoints, endpointPool</td><td>no</td><td>no</td><td>no</td><td>yes</td><td>no</td></tr>
     *   <tr><td>optimizedPrompt, optimizedPromptFile, iclExamples, iclFile, embedder, embeddingCacheDir,
     *       defaultOptions</td><td colspan="5">yes for {@link #build()}; refused by {@link #buildChatModel()}</td></tr>
     * </table>
     * Besides: gpuMemoryUtilization is refused with gpuLayers (it only derives them) or without GPUs; promptRegistry,
     * promptSource, originalPrompts and pullPrompts are refused when the optimised prompt is given.
     */
    public static final class Builder {
        private String model;
        private boolean modelIsFile;
        private int numGpus;
        private String cudaVisibleDevices;
        private String dtype;
        private Double gpuMemoryUtilization;
        private Integer maxModelLen;
        private Duration timeout;
        private Integer gpuLayers;
        private Integer threads;
        private int parallelSlots = 1;
        private Path nativeLibraryPath;
        private String optimizedPrompt;
        private String optimizedPromptId;
        private Path optimizedPromptFile;
        private List<IclExample> iclExamples;
        private Path iclFile;
        private Embedder embedder = MiniLmEmbedder.INSTANCE;
        private Path embeddingCacheDir;
        private GenerateOptions defaultOptions = GenerateOptions.DEFAULTS;
        private ChatModel backend;
        private boolean openAiModel;
        private String apiKey;
        private String baseUrl;
        private Integer maxConcurrency;
        private Integer maxAttempts;
        private RetryPolicy retryPolicy;
        private List<Endpoint> endpoints;
        private RoutingChatModel.Pool endpointPool;
        private boolean reasoningModel;
        private Environment environment;

        private HubClient hubClient;
        private Path modelCacheDir;
        private Boolean offline;
        private String quantization;
        private DownloadListener downloadListener;
        private PromptRegistry promptRegistry;
        private OriginalPrompts originalPrompts;
        private URI promptSource;
        private boolean pullPrompts = true;
        /** The settings given, each as its message shows it; a setter given null unsets its setting. */
        private final Map<Setting, String> given = new EnumMap<>(Setting.class);

        private Builder() { }

        private Builder given(Setting setting, Object value, String shown) {
            if (value == null) {
                given.remove(setting);
            } else {
                given.put(setting, shown);
            }
            return this;
        }

        /**
         * The model: a GGUF file path, a catalogue name ({@code mistralai/Mistral-7B-v0.1}, {@code mistral-7b}, ...;
         * case-insensitive) or {@code hf://owner/repo/file.gguf} (names are downloaded once into the model cache);
         * with {@link #openAiModel(boolean) openAiModel(true)}, the API model name.
         */
        public Builder model(String model) {
            this.model = model;
            this.modelIsFile = false;
            return given(Setting.MODEL, model, model == null ? null : "model \"" + model + "\"");
        }

        /** The model: a GGUF file (never a name to download). */
        public Builder model(Path model) {
            this.model = model == null ? null : model.toString();
            this.modelIsFile = true;
            return given(Setting.MODEL, model, "model " + model);
        }

        /**
         * GPUs to use (0, the default, runs on the CPU). Above 0, and without {@link #nativeLibraryPath}, the CUDA
         * build of {@code bin/dro native build --cuda} is loaded from dro4j's cache (README "Scaling").
         */
        public Builder numGpus(int numGpus) {
            this.numGpus = numGpus;
            return given(Setting.NUM_GPUS, numGpus, "numGpus " + numGpus);
        }

        /** Which CUDA devices may be used, as in {@code CUDA_VISIBLE_DEVICES}: {@code "0,1"}. */
        public Builder cudaVisibleDevices(String devices) {
            this.cudaVisibleDevices = devices;
            return given(Setting.CUDA_VISIBLE_DEVICES, devices, "cudaVisibleDevices \"" + devices + "\"");
        }

        /** Precision of the KV cache: auto, float16, bfloat16 or float32. */
        public Builder dtype(String dtype) {
            this.dtype = dtype;
            return given(Setting.DTYPE, dtype, "dtype \"" + dtype + "\"");
        }

        /** Fraction of free GPU memory to fill with layers when {@link #gpuLayers} is not given; default 0.9. */
        public Builder gpuMemoryUtilization(double fraction) {
            this.gpuMemoryUtilization = fraction;
            return given(Setting.GPU_MEMORY_UTILIZATION, fraction, "gpuMemoryUtilization " + fraction);
        }

        /** Context tokens per request; default the model's trained context, at most 4096. */
        public Builder maxModelLen(int tokens) {
            this.maxModelLen = tokens;
            return given(Setting.MAX_MODEL_LEN, tokens, "maxModelLen " + tokens);
        }

        /** Per-request time limit (for an API model: each HTTP request, retries aside). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return given(Setting.TIMEOUT, timeout, "timeout " + timeout);
        }

        /** Layers to offload to the GPUs; derived from {@link #gpuMemoryUtilization} when not given. */
        public Builder gpuLayers(int layers) {
            this.gpuLayers = layers;
            return given(Setting.GPU_LAYERS, layers, "gpuLayers " + layers);
        }

        /** CPU threads for llama.cpp; default all processors. */
        public Builder threads(int threads) {
            this.threads = threads;
            return given(Setting.THREADS, threads, "threads " + threads);
        }

        /** Requests a local model runs at once (llama.cpp slots, each with {@code maxModelLen}); default 1. */
        public Builder parallelSlots(int slots) {
            this.parallelSlots = slots;
            return given(Setting.PARALLEL_SLOTS, slots, "parallelSlots " + slots);
        }

        /**
         * A directory holding a {@code jllama} native library to load instead of the one dro4j chooses (the CUDA
         * build of {@code bin/dro native build} when {@link #numGpus} is above 0, its host build or the bundled
         * library otherwise); see README "Scaling".
         */
        public Builder nativeLibraryPath(Path directory) {
            this.nativeLibraryPath = directory;
            return given(Setting.NATIVE_LIBRARY_PATH, directory, "nativeLibraryPath " + directory);
        }

        /** The model's DRO-optimised system prompt. */
        public Builder optimizedPrompt(String prompt) {
            this.optimizedPrompt = prompt;
            this.optimizedPromptId = null;
            return given(Setting.OPTIMIZED_PROMPT, prompt, "optimizedPrompt");
        }

        /**
         * The model's DRO-optimised system prompt as a {@link PromptRegistry} holds it (e.g. {@code registry.byId(id)}):
         * its text, with {@link #systemPromptSource()} naming its id ({@link SystemPromptSource#registry}).
         */
        public Builder optimizedPrompt(OptimizedPrompt prompt) {
            this.optimizedPrompt = prompt == null ? null : prompt.text();
            this.optimizedPromptId = prompt == null ? null : prompt.id();
            return given(Setting.OPTIMIZED_PROMPT, prompt, "optimizedPrompt");
        }

        /**
         * A file holding the model's DRO-optimised system prompt (plain text), or a training run's directory (its
         * {@code optimized_prompt.txt}).
         */
        public Builder optimizedPromptFile(Path file) {
            this.optimizedPromptFile = file;
            return given(Setting.OPTIMIZED_PROMPT_FILE, file, "optimizedPromptFile " + file);
        }

        /** In-context examples to retrieve from (default: the ones dro4j ships). */
        public Builder iclExamples(List<IclExample> examples) {
            this.iclExamples = examples;
            return given(Setting.ICL_EXAMPLES, examples, "iclExamples");
        }

        /** An ICL file in the original's shape ({@code {query: "<START>\n...\n<END>"}}). */
        public Builder iclFile(Path file) {
            this.iclFile = file;
            return given(Setting.ICL_FILE, file, "iclFile " + file);
        }

        /** The sentence embedder for ICL retrieval (default all-MiniLM-L6-v2, in-process). */
        public Builder embedder(Embedder embedder) {
            this.embedder = embedder;
            return given(Setting.EMBEDDER, embedder, "embedder");
        }

        /** Where ICL embeddings are cached on disk (default under the dro4j cache directory). */
        public Builder embeddingCacheDir(Path dir) {
            this.embeddingCacheDir = dir;
            return given(Setting.EMBEDDING_CACHE_DIR, dir, "embeddingCacheDir " + dir);
        }

        /**
         * The options every call starts from (default {@link GenerateOptions#DEFAULTS}, the original's): a call's
         * options override the options they set, and the ones they leave unset fall through to these
         * ({@link GenerateOptions#overrideWith}).
         */
        public Builder defaultOptions(GenerateOptions options) {
            this.defaultOptions = options;
            return given(Setting.DEFAULT_OPTIONS, options, "defaultOptions");
        }

        /** Runs on this chat model instead of loading {@link #model}; the built model owns it (and closes it). */
        public Builder chatModel(ChatModel backend) {
            this.backend = backend;
            return given(Setting.CHAT_MODEL, backend, "chatModel");
        }

        /** Hub settings (endpoint, token, environment, cache...); the settings below override its own. */
        public Builder hubClient(HubClient hubClient) {
            this.hubClient = hubClient;
            return given(Setting.HUB_CLIENT, hubClient, "hubClient");
        }

        /** Where downloaded models are kept (default {@code <dro4j cache>/models}). */
        public Builder modelCacheDir(Path dir) {
            this.modelCacheDir = dir;
            return given(Setting.MODEL_CACHE_DIR, dir, "modelCacheDir " + dir);
        }

        /** No network: a model name must already be cached (default: {@code DRO4J_OFFLINE}/{@code HF_HUB_OFFLINE}). */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return given(Setting.OFFLINE, offline, "offline " + offline);
        }

        /** The quantisation a catalogue name downloads (default Q4_K_M). */
        public Builder quantization(String quantization) {
            this.quantization = quantization;
            return given(Setting.QUANTIZATION, quantization, "quantization \"" + quantization + "\"");
        }

        /** Hears download progress (default: nothing). */
        public Builder downloadListener(DownloadListener listener) {
            this.downloadListener = listener;
            return given(Setting.DOWNLOAD_LISTENER, listener, "downloadListener");
        }

        /** Where the optimised prompt is looked up when none is given (default {@link PromptRegistry#defaults()}). */
        public Builder promptRegistry(PromptRegistry registry) {
            this.promptRegistry = registry;
            return given(Setting.PROMPT_REGISTRY, registry, "promptRegistry");
        }

        /**
         * Where the original's released prompts are pulled from on first use (see {@link #pullPrompts}): a mirror laid
         * out like the original repository (default {@code DRO4J_PROMPTS_URL}, else the original repository at its
         * pinned commit on GitHub). See {@link OriginalPrompts}.
         */
        public Builder promptSource(URI baseUrl) {
            this.promptSource = baseUrl;
            return given(Setting.PROMPT_SOURCE, baseUrl, "promptSource " + baseUrl);
        }

        /**
         * The puller of the original's released prompts used on first use (its release manifest, hub client and
         * source; the prompts go to the {@link #promptRegistry}'s user store whatever its own store). Default: one on
         * this builder's hub settings (for an API model, its {@link #environment}).
         */
        public Builder originalPrompts(OriginalPrompts puller) {
            this.originalPrompts = puller;
            return given(Setting.ORIGINAL_PROMPTS, puller, "originalPrompts");
        }

        /**
         * Whether a model that the original DRO released an optimised prompt for, named by one of its names
         * ({@code mistral-7b}, {@code gpt-3.5-turbo}, ...), gets that prompt pulled into the user's store when the
         * registry has none (default true; never in offline mode, and never for a GGUF file given by path). If the pull
         * fails, the model is built with the base alignment prompt and a WARN says why and how to pull it
         * ({@code dro prompts pull MODEL}).
         */
        public Builder pullPrompts(boolean pull) {
            this.pullPrompts = pull;
            return given(Setting.PULL_PROMPTS, pull, "pullPrompts " + pull);
        }

        /**
         * The original's {@code open_ai_model}: {@link #model} names a model on an OpenAI-compatible endpoint, which
         * gets the system prompt and the user turn as a system and a user message. The key is read from
         * {@code OPENAI_API_KEY} and the endpoint from {@code OPENAI_BASE_URL} (default OpenAI's) unless
         * {@link #apiKey} and {@link #baseUrl} are given. See README "OpenAI-compatible endpoints".
         */
        public Builder openAiModel(boolean openAiModel) {
            this.openAiModel = openAiModel;
            return given(Setting.OPEN_AI_MODEL, openAiModel, "openAiModel " + openAiModel);
        }

        /** The API key of an OpenAI-compatible endpoint (default {@code OPENAI_API_KEY}). Never logged. */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return given(Setting.API_KEY, apiKey, "apiKey"); // its value is never shown
        }

        /** The endpoint, e.g. {@code http://localhost:8000/v1} (default {@code OPENAI_BASE_URL}, else OpenAI's). */
        public Builder baseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return given(Setting.BASE_URL, baseUrl, "baseUrl \"" + baseUrl + "\"");
        }

        /**
         * The API model is a reasoning model (OpenAI's o-series, GPT-5): {@code maxNewTokens} is sent as
         * {@code max_completion_tokens}, and {@code temperature} and {@code topP} are not sent, since such models
         * reject {@code max_tokens} and any sampling but their own. Their limit also counts hidden reasoning tokens,
         * so raise {@code maxNewTokens}. Default false. See {@link OpenAiChatClient.Builder#reasoningModel}.
         */
        public Builder reasoningModel(boolean reasoningModel) {
            this.reasoningModel = reasoningModel;
            return given(Setting.REASONING_MODEL, reasoningModel, "reasoningModel " + reasoningModel);
        }

        /**
         * Serves the API model from several OpenAI-compatible endpoints instead of one base URL (with
         * {@link #openAiModel}): each request goes to the endpoint least loaded for its {@code maxConcurrency}, an
         * endpoint that fails (refused connection, 5xx, timeout) rests while its request is tried on another, and
         * each endpoint's key is read from its {@code apiKeyEnv} in {@link #environment}. See
         * {@link RoutingChatModel} for the routing and {@link Endpoint#readAll} for the file format. Replaces
         * {@link #baseUrl}, {@link #apiKey} and {@link #maxConcurrency}; {@link #maxAttempts} is then the tries per
         * request across endpoints (each retried attempt goes to another endpoint while the failed one rests). Null
         * or empty: one endpoint, as set by {@link #baseUrl}.
         */
        public Builder endpoints(List<Endpoint> endpoints) {
            this.endpoints = endpoints == null || endpoints.isEmpty() ? null : List.copyOf(endpoints);
            return given(Setting.ENDPOINTS, this.endpoints, "endpoints");
        }

        /** {@link #endpoints(List)} from an endpoints file (a JSON array, see {@link Endpoint#readAll}). */
        public Builder endpoints(Path file) {
            return endpoints(Endpoint.readAll(file));
        }

        /**
         * The shared state of {@link #endpoints} (their load, rests and figures): share one pool among the models
         * that use the same endpoints, so that each endpoint's {@code maxConcurrency} holds for them together and
         * their figures add up. Default: a pool of the model's own ({@link RoutingChatModel#endpointStats} finds it).
         */
        public Builder endpointPool(RoutingChatModel.Pool pool) {
            this.endpointPool = pool;
            return given(Setting.ENDPOINT_POOL, pool, "endpointPool");
        }

        /** Requests {@link AutoModel#generateAll} sends to an API model at once; default 4. */
        public Builder maxConcurrency(int maxConcurrency) {
            this.maxConcurrency = maxConcurrency;
            return given(Setting.MAX_CONCURRENCY, maxConcurrency, "maxConcurrency " + maxConcurrency);
        }

        /**
         * Tries per request to an API model, the first included (429, 5xx, timeouts are retried); default 3. Overrides
         * the attempts of {@link #retryPolicy}.
         */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return given(Setting.MAX_ATTEMPTS, maxAttempts, "maxAttempts " + maxAttempts);
        }

        /**
         * How a failed request to an API model is retried (attempts, backoff, the longest {@code Retry-After} waited
         * for); default {@link RetryPolicy#DEFAULT}: 3 attempts. The API model is wrapped in one
         * {@link RetryingChatModel} with it, over a connection (or router of {@link #endpoints}) that makes one
         * attempt per call, so an endpoint that keeps failing is sent exactly {@link RetryPolicy#maxAttempts()}
         * requests.
         */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = retryPolicy;
            return given(Setting.RETRY_POLICY, retryPolicy, "retryPolicy");
        }

        /** Where {@code OPENAI_API_KEY} and {@code OPENAI_BASE_URL} are read (default the process environment). */
        public Builder environment(Environment environment) {
            this.environment = environment;
            return given(Setting.ENVIRONMENT, environment, "environment");
        }

        /**
         * Checks every setting, reads the prompt and ICL files, and loads the model.
         *
         * @throws InvalidRequestException naming a setting that cannot be honoured
         * @throws ModelLoadException      if the model cannot be loaded
         */
        public AutoModel build() {
            checkSettingsApply(false);
            ensureNotNull(embedder, "embedder");
            ensureNotNull(defaultOptions, "defaultOptions");
            if (optimizedPrompt != null && optimizedPromptFile != null) {
                throw new InvalidRequestException("Give optimizedPrompt or optimizedPromptFile, not both");
            }
            if (iclExamples != null && iclFile != null) {
                throw new InvalidRequestException("Give iclExamples or iclFile, not both");
            }
            if (promptSource != null && (promptSource.getHost() == null || !("http".equalsIgnoreCase(
                    promptSource.getScheme()) || "https".equalsIgnoreCase(promptSource.getScheme())))) {
                throw new InvalidRequestException("promptSource must be an http(s) URL, but was \"" + promptSource
                        + "\"");
            }
            String prompt = optimizedPrompt;
            SystemPromptSource source = optimizedPromptId != null ? SystemPromptSource.registry(optimizedPromptId)
                    : SystemPromptSource.builder("optimizedPrompt");
            if (optimizedPromptFile != null) {
                Path file = Files.isDirectory(optimizedPromptFile)
                        ? optimizedPromptFile.resolve("optimized_prompt.txt") : optimizedPromptFile; // a training run
                source = SystemPromptSource.builder(file.toAbsolutePath().toString());
                try {
                    prompt = Files.readString(file, StandardCharsets.UTF_8).stripTrailing();
                } catch (IOException e) {
                    throw new InvalidRequestException("Cannot read optimizedPromptFile " + file.toAbsolutePath()
                            + ": " + e, e);
                }
            }
            if (prompt != null) {
                ensureNotBlank(prompt, "optimizedPrompt");
            }
            List<IclExample> icl = iclExamples != null ? List.copyOf(iclExamples)
                    : iclFile != null ? IclExamples.load(iclFile) : IclExamples.bundled();
            if (icl.isEmpty()) {
                throw new InvalidRequestException("iclExamples must not be empty");
            }
            if (embeddingCacheDir == null) {
                embeddingCacheDir = CacheDirs.root().resolve("embeddings");
            }
            Loaded loadedModel = load();
            ChatModel b = loadedModel.model();
            LlamaCppBackend local = loadedModel.local();
            ResolvedModel resolved = loadedModel.resolved();
            HubClient hub = loadedModel.hub();
            PromptRegistry registry = promptRegistry != null ? promptRegistry : PromptRegistry.defaults();
            if (prompt == null && (resolved != null || openAiModel)) {
                final ResolvedModel r = resolved;
                final LlamaCppBackend loaded = local;
                Supplier<Optional<PromptRegistry.Match>> lookup = r != null
                        ? () -> registry.lookup(r, () -> loaded != null ? loaded.gguf()
                                : GgufFile.readMetadata(r.file()))
                        : () -> registry.find(model);
                boolean pull = pullPrompts && (openAiModel || r.catalogEntry().isPresent());
                Optional<PromptRegistry.Match> found = RegistryPrompts.find(model, registry, lookup,
                        pull ? () -> puller(hub) : null, log);
                if (found.isPresent()) {
                    prompt = found.get().prompt().text();
                    source = SystemPromptSource.registry(found.get().prompt().id());
                }
            } else if (prompt == null) {
                log.info("No optimised prompt is known for {}; using the base alignment prompt", model);
            }
            return new AutoModel(this, b, prompt, source, icl);
        }

        /**
         * Loads the model this builder names as a bare {@link ChatModel}: no system prompt, no in-context examples, no
         * answer cleaning; the caller sends its own messages. This is what the training, ICL and evaluation roles
         * (judge, metrics, optimiser) run on. Settings for prompts and examples are refused; the caller owns
         * (and closes) the model.
         *
         * @throws InvalidRequestException naming a setting that cannot be honoured
         * @throws ModelLoadException      if the model cannot be loaded
         */
        public ChatModel buildChatModel() {
            checkSettingsApply(true);
            return load().model();
        }

        private record Loaded(ChatModel model, LlamaCppBackend local, ResolvedModel resolved, HubClient hub) { }

        private Loaded load() {
            if (backend == null && openAiModel) {
                return new Loaded(openAiBackend(), null, null, null);
            }
            if (backend != null) {
                return new Loaded(backend, null, null, null);
            }
            ensureNotBlank(model, "model");
            HubClient hub = modelIsFile ? null : hub();
            ResolvedModel resolved = modelIsFile ? ResolvedModel.local(model, Path.of(model)) : hub.resolve(model);
            LlamaCppSettings settings = new LlamaCppSettings(resolved.file(), numGpus, cudaVisibleDevices,
                    dtype != null ? dtype : LlamaCppSettings.DEFAULT_DTYPE, gpuMemoryUtilization != null
                            ? gpuMemoryUtilization : LlamaCppSettings.DEFAULT_GPU_MEMORY_UTILIZATION, maxModelLen, timeout, gpuLayers, threads, parallelSlots);
            LlamaCppBackend local = LlamaCppBackend.load(settings, nativeLibraryPath, GpuInfo.NVIDIA_SMI);
            return new Loaded(local, local, resolved, hub);
        }

        /** The puller of the original's prompts these settings describe (the caller sets its store). */
        private OriginalPrompts puller(HubClient hub) {
            OriginalPrompts.Builder pb;
            if (originalPrompts != null) {
                pb = originalPrompts.toBuilder();
            } else {
                HubClient h = hub;
                if (h == null) {
                    h = HubClient.builder().environment(environment != null ? environment : Environment.SYSTEM)
                            .build();
                }
                pb = OriginalPrompts.builder().hubClient(h);
            }
            if (promptSource != null) {
                pb.baseUrl(promptSource);
            }
            return pb.build();
        }

        /** The kind of model these settings build. */
        Kind kind() {
            if (backend != null) {
                return Kind.CHAT_MODEL;
            }
            if (openAiModel) {
                return endpoints != null ? Kind.ENDPOINTS : Kind.API;
            }
            return modelIsFile || isFile(model) ? Kind.LOCAL_FILE : Kind.LOCAL_NAME;
        }

        private static boolean isFile(String model) {
            try {
                return model != null && Files.isRegularFile(Path.of(model.strip())); // a file wins over a name
            } catch (java.nio.file.InvalidPathException e) {
                return false;
            }
        }

        /**
         * Refuses every setting given that the kind of model being built does not use (see {@link Setting}), and
         * settings that another setting given makes unused. Settings are told apart by whether they were given, not by
         * their values: a setting given with its default value is refused like any other.
         *
         * @param bare whether the bare model is built ({@link #buildChatModel()}), which takes no prompt or examples
         */
        void checkSettingsApply(boolean bare) {
            if (backend != null && openAiModel) {
                throw new InvalidRequestException("Give chatModel or openAiModel(true), not both");
            }
            Kind kind = kind();
            Map<Scope, List<String>> wrong = new java.util.LinkedHashMap<>();
            for (Map.Entry<Setting, String> e : given.entrySet()) {
                Scope scope = e.getKey().scope;
                if (!scope.kinds.contains(kind) || bare && scope == Scope.PROMPTS) {
                    wrong.computeIfAbsent(scope, x -> new ArrayList<>()).add(e.getValue());
                }
            }
            if (!wrong.isEmpty()) {
                List<String> parts = new ArrayList<>();
                wrong.forEach((scope, items) -> parts.add(scope.phrase + ": " + String.join(", ", items)));
                throw new InvalidRequestException((bare ? "buildChatModel(): " : "") + kind.label
                        + " cannot honour " + String.join("; ", parts));
            }
            if (given.containsKey(Setting.GPU_MEMORY_UTILIZATION) && given.containsKey(Setting.GPU_LAYERS)) {
                throw new InvalidRequestException(given.get(Setting.GPU_MEMORY_UTILIZATION) + " only derives gpuLayers,"
                        + " which is given (" + given.get(Setting.GPU_LAYERS) + "): give one of them");
            }
            if (given.containsKey(Setting.GPU_MEMORY_UTILIZATION) && numGpus == 0) {
                throw new InvalidRequestException(given.get(Setting.GPU_MEMORY_UTILIZATION) + " needs numGpus of 1 or"
                        + " more (a model on the CPU fills no GPU memory)");
            }
            if (optimizedPrompt != null || optimizedPromptFile != null) {
                List<String> unused = new ArrayList<>();
                for (Setting s : List.of(Setting.PROMPT_REGISTRY, Setting.PROMPT_SOURCE, Setting.ORIGINAL_PROMPTS,
                        Setting.PULL_PROMPTS)) {
                    if (given.containsKey(s)) {
                        unused.add(given.get(s));
                    }
                }
                if (!unused.isEmpty()) {
                    throw new InvalidRequestException("The optimised prompt is given ("
                            + (optimizedPrompt != null ? "optimizedPrompt" : "optimizedPromptFile")
                            + "), so nothing looks one up or pulls one: " + String.join(", ", unused));
                }
            }
        }

        /** The API model: one connection or router, making one attempt per call, in the one retry decorator. */
        private ChatModel openAiBackend() {
            ensureNotBlank(model, "model");
            RetryPolicy.Builder retries = (retryPolicy != null ? retryPolicy : RetryPolicy.DEFAULT).toBuilder();
            if (maxAttempts != null) {
                retries.maxAttempts(maxAttempts);
            }
            RetryPolicy policy = retries.build();
            ChatModel transport = transport();
            return transport instanceof OpenAiBackend b ? new RetryingChatModel(b, policy, b.maxConcurrency())
                    : new RetryingChatModel(transport, policy);
        }

        private ChatModel transport() {
            if (endpoints != null) {
                return OpenAiEndpoints.router(endpoints, model, reasoningModel,
                        environment != null ? environment : Environment.SYSTEM, timeout,
                        endpointPool != null ? endpointPool : new RoutingChatModel.Pool());
            }
            int concurrency = ensureBetween(maxConcurrency != null ? maxConcurrency
                    : OpenAiBackend.DEFAULT_MAX_CONCURRENCY, 1, 256, "maxConcurrency");
            OpenAiChatClient.Builder c = OpenAiChatClient.builder().model(model).apiKey(apiKey).baseUrl(baseUrl)
                    .timeout(timeout).reasoningModel(reasoningModel);
            if (environment != null) {
                c.environment(environment);
            }
            return OpenAiBackend.create(c.build(), concurrency);
        }

        private HubClient hub() {
            HubClient.Builder hb = hubClient != null ? hubClient.toBuilder() : HubClient.builder();
            if (modelCacheDir != null) {
                hb.cacheDir(modelCacheDir);
            }
            if (offline != null) {
                hb.offline(offline);
            }
            if (quantization != null) {
                hb.quantization(quantization);
            }
            if (downloadListener != null) {
                hb.listener(downloadListener);
            }
            return hb.build();
        }

    }
}
