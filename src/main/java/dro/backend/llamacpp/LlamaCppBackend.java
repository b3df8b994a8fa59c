package dro.backend.llamacpp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import dro.ContextOverflowException;
import dro.FinishReason;
import dro.Generation;
import dro.GenerationException;
import dro.ModelLoadException;
import dro.TokenStream;
import dro.Usage;
import dro.backend.ChatBackend;
import dro.backend.ChatRequest;
import dro.backend.PieceStream;
import dro.gguf.GgufFile;
import dro.internal.Json;
import dro.internal.Parallel;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A GGUF model run in-process by llama.cpp (through {@code de.kherud:llama}).
 *
 * <p>Chat models (whose GGUF has {@code tokenizer.chat_template}) get their template applied to [system, user] with a
 * generation prompt; base models read {@code system + "\n\n" + user}. Every prompt is counted before it is sent: one
 * that does not fit in {@code maxModelLen} fails with {@link ContextOverflowException}, and the answer is capped at
 * the context that is left. Concurrent requests share the model and run in its parallel slots.
 *
 * <p>Thread-safe. Load a model once and reuse it: llama.cpp frees little on {@link #close()}.
 */
public final class LlamaCppBackend implements ChatBackend {

    private static final Logger log = LoggerFactory.getLogger(LlamaCppBackend.class);
    private static final String SYSTEM_SENTINEL = "DRO4JSYSTEMSENTINEL";
    private static final String USER_SENTINEL = "DRO4JUSERSENTINEL";

    private final LlamaModel model;
    private final GgufFile gguf;
    private final LlamaCppSettings.Plan plan;
    private final Duration timeout;
    private final Skeleton skeleton;
    private volatile boolean closed;

    /** A chat template rendered once with sentinels: prefix + system + middle + user + suffix. */
    private record Skeleton(String prefix, String middle, String suffix, boolean trims, boolean systemInUser) { }

    private LlamaCppBackend(LlamaModel model, GgufFile gguf, LlamaCppSettings.Plan plan, Duration timeout) {
        this.model = model;
        this.gguf = gguf;
        this.plan = plan;
        this.timeout = timeout;
        this.skeleton = gguf.chatTemplate().isPresent() ? renderSkeleton() : null;
    }

    /**
     * Loads a model.
     *
     * @param nativeLibraryPath a directory with a user-built {@code jllama} library (for GPUs), or null
     * @throws ModelLoadException if the file is missing or not a valid GGUF, a setting cannot be honoured, or
     *                            llama.cpp fails to load it
     */
    public static LlamaCppBackend load(LlamaCppSettings settings, Path nativeLibraryPath, GpuInfo gpuInfo) {
        GgufFile gguf = GgufFile.read(settings.modelPath());
        NativeLibrary.ensureLoaded(nativeLibraryPath);
        boolean nativeLogs = NativeLibrary.nativeLogsEnabled();
        LlamaCppSettings.Plan plan = settings.plan(gguf, NativeLibrary.isCustom(), gpuInfo, nativeLogs);
        log.debug("loading {} with llama.cpp parameters {}", settings.modelPath(), plan.args());
        long t0 = System.nanoTime();
        LlamaModel model;
        try {
            model = new LlamaModel(plan.parameters());
        } catch (RuntimeException e) {
            throw new ModelLoadException("llama.cpp could not load " + settings.modelPath().toAbsolutePath()
                    + " (architecture \"" + gguf.architecture() + "\"): " + e.getMessage(), e);
        }
        if (!hasNativeHandle(model)) {
            throw new ModelLoadException("llama.cpp rejected the parameters " + plan.args() + " for "
                    + settings.modelPath() + "; set DRO4J_NATIVE_LOG=1 to see its message");
        }
        if (!nativeLogs) {
            NativeLibrary.routeLogsToSlf4j();
        }
        log.info("Loaded {} in {} ms (context {} tokens x {} slot(s), {} GPU layer(s))",
                settings.modelPath().getFileName(), (System.nanoTime() - t0) / 1_000_000, plan.contextPerSlot(),
                settings.parallelSlots(), plan.gpuLayers());
        return new LlamaCppBackend(model, gguf, plan, settings.timeout());
    }

    /** The GGUF header of the loaded model. */
    public GgufFile gguf() {
        return gguf;
    }

    /** The llama.cpp parameters the model was loaded with. */
    public LlamaCppSettings.Plan plan() {
        return plan;
    }

    /** Whether the model has a chat template (a chat or instruct model). */
    public boolean isChatModel() {
        return skeleton != null;
    }

    /** The underlying binding, for callers that need what this class does not offer. */
    public LlamaModel llamaModel() {
        return model;
    }

    @Override
    public String renderPrompt(String system, String user) {
        if (skeleton == null) {
            return system + "\n\n" + user;
        }
        String s = skeleton.trims ? system.strip() : system;
        String u = skeleton.trims ? user.strip() : user;
        if (skeleton.systemInUser) {
            return skeleton.prefix + s + "\n\n" + u + skeleton.suffix;
        }
        return skeleton.prefix + s + skeleton.middle + u + skeleton.suffix;
    }

    /** Tokens the model reads for this prompt text, including the BOS token it adds. */
    public int countPromptTokens(String prompt) {
        ensureOpen();
        return model.encode(prompt).length + (gguf.addsBos() ? 1 : 0);
    }

    /** Tokens of a text, as the model's tokenizer splits it. */
    public int countTokens(String text) {
        ensureOpen();
        return model.encode(text).length;
    }

    @Override
    public TokenStream stream(ChatRequest request) {
        return start(prepare(request));
    }

    /**
     * Generates with the output constrained by a GBNF grammar (llama.cpp's grammar sampling), for example to force
     * one JSON object.
     */
    public Generation generate(ChatRequest request, String grammar) {
        Prepared p = prepare(request);
        p.parameters().setGrammar(grammar);
        return drain(start(p));
    }

    @Override
    public List<Generation> generateAll(List<ChatRequest> requests) {
        List<Prepared> prepared = new ArrayList<>(requests.size());
        for (ChatRequest r : requests) {
            prepared.add(prepare(r)); // every prompt is checked before any generation starts
        }
        return Parallel.map(prepared.size(), i -> drain(start(prepared.get(i))), plan.parallelSlots(), "dro4j-llama");
    }

    private static Generation drain(TokenStream s) {
        try (s) {
            while (s.hasNext()) {
                s.next();
            }
            return s.result();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            model.close();
        }
    }

    private record Prepared(InferenceParameters parameters, int promptTokens, int maxTokens) { }

    private Prepared prepare(ChatRequest request) {
        ensureOpen();
        String prompt = renderPrompt(request.system(), request.user());
        int promptTokens = countPromptTokens(prompt);
        int ctx = plan.contextPerSlot();
        if (promptTokens >= ctx) {
            throw new ContextOverflowException(promptTokens, ctx,
                    "shorten the query or the system prompt, use fewer ICL examples, or raise maxModelLen");
        }
        int maxTokens = Math.min(request.maxNewTokens(), ctx - promptTokens);
        if (maxTokens < request.maxNewTokens()) {
            log.debug("maxNewTokens {} capped at {}: the prompt takes {} of {} context tokens",
                    request.maxNewTokens(), maxTokens, promptTokens, ctx);
        }
        InferenceParameters p = new InferenceParameters(prompt)
                .setTemperature((float) request.temperature())
                .setTopP((float) request.topP())
                .setNPredict(maxTokens)
                .setCachePrompt(true);
        if (!request.stop().isEmpty()) {
            p.setStopStrings(request.stop().toArray(String[]::new));
        }
        if (request.seed() != null) {
            p.setSeed((int) (request.seed() & 0x7fffffffL));
        }
        return new Prepared(p, promptTokens, maxTokens);
    }

    private TokenStream start(Prepared p) {
        LlamaIterator it;
        try {
            it = (LlamaIterator) model.generate(p.parameters).iterator();
        } catch (RuntimeException e) {
            throw new GenerationException("llama.cpp refused the request: " + e.getMessage(), e, false);
        }
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        return new LlamaTokenStream(it, p.promptTokens, p.maxTokens, deadline);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("This model has been closed");
        }
    }

    private Skeleton renderSkeleton() {
        String rendered = applyTemplate(SYSTEM_SENTINEL, USER_SENTINEL);
        String template = gguf.chatTemplate().orElse("");
        if (rendered.contains("<|im_start|>") && !template.contains("<|im_start|>")) {
            log.warn("llama.cpp cannot render the chat template of {}; it uses ChatML instead",
                    gguf.path().getFileName());
        }
        boolean trims = !applyTemplate("\n" + SYSTEM_SENTINEL + "\n", USER_SENTINEL).contains("\n" + SYSTEM_SENTINEL + "\n");
        int s = rendered.indexOf(SYSTEM_SENTINEL);
        int u = rendered.indexOf(USER_SENTINEL);
        if (u < 0 || rendered.indexOf(USER_SENTINEL, u + 1) >= 0 || rendered.indexOf(SYSTEM_SENTINEL, s + 1) >= 0) {
            throw new ModelLoadException("The chat template of " + gguf.path() + " does not render a user message"
                    + " exactly once: " + rendered);
        }
        if (s < 0) {
            log.warn("The chat template of {} drops system messages; the system prompt is put at the start of the"
                    + " user turn", gguf.path().getFileName());
            return new Skeleton(rendered.substring(0, u), "", rendered.substring(u + USER_SENTINEL.length()),
                    trims, true);
        }
        if (s > u) {
            throw new ModelLoadException("The chat template of " + gguf.path() + " puts the system message after"
                    + " the user message: " + rendered);
        }
        return new Skeleton(rendered.substring(0, s), rendered.substring(s + SYSTEM_SENTINEL.length(), u),
                rendered.substring(u + USER_SENTINEL.length()), trims, false);
    }

    private String applyTemplate(String system, String user) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", system);
        messages.addObject().put("role", "user").put("content", user);
        try {
            return model.applyTemplate(body.toString());
        } catch (RuntimeException e) {
            throw new ModelLoadException("Cannot apply the chat template of " + gguf.path() + ": " + e.getMessage(), e);
        }
    }

    private static boolean hasNativeHandle(LlamaModel model) {
        try {
            Field f = LlamaModel.class.getDeclaredField("ctx");
            f.setAccessible(true);
            return f.getLong(model) != 0L;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("cannot check the native handle: {}", e.toString());
            return true;
        }
    }

    /** Pieces of one llama.cpp generation; cancellation and the timeout are checked between tokens. */
    private final class LlamaTokenStream extends PieceStream {
        private final LlamaIterator it;
        private final int promptTokens;
        private final int maxTokens;
        private final long deadline;

        LlamaTokenStream(LlamaIterator it, int promptTokens, int maxTokens, long deadline) {
            this.it = it;
            this.promptTokens = promptTokens;
            this.maxTokens = maxTokens;
            this.deadline = deadline;
        }

        @Override
        protected String nextPiece() {
            while (it.hasNext()) {
                if (System.nanoTime() > deadline) {
                    throw new GenerationException("The local generation timed out after " + timeout + " ("
                            + text().length() + " characters generated)", null, true);
                }
                LlamaOutput out;
                try {
                    out = it.next();
                } catch (RuntimeException e) {
                    throw new GenerationException("llama.cpp failed while generating: " + e.getMessage(), e, false);
                }
                if (!out.text.isEmpty()) {
                    return out.text;
                }
                if (cancelRequested()) {
                    return null;
                }
            }
            return null;
        }

        @Override
        protected FinishReason naturalEnd() {
            return cancelRequested() ? FinishReason.CANCELLED
                    : model.encode(text()).length >= maxTokens ? FinishReason.LENGTH : FinishReason.STOP;
        }

        @Override
        protected void stop() {
            it.cancel();
        }

        @Override
        protected Usage usage(String text) {
            return new Usage(promptTokens, text.isEmpty() ? 0 : model.encode(text).length, -1);
        }
    }
}
