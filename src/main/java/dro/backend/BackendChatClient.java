package dro.backend;

import dro.Generation;
import dro.Usage;
import dro.backend.llamacpp.LlamaCppBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link ChatClient} over any {@link ChatBackend}, so a local model can play any role. The {@code n} replies are
 * generated one after another (seeds {@code seed}, {@code seed + 1}, ... when a seed is given). A raw-prompt request
 * goes to the backend as one text with no chat template, where the backend takes raw prompts. JSON mode is
 * enforced on llama.cpp models with a JSON grammar; on other backends it is refused rather than ignored.
 *
 * <p>Thread-safe when the backend is.
 */
public final class BackendChatClient implements ChatClient {

    private static final String JSON_GRAMMAR = readGrammar();

    private final ChatBackend backend;
    private final String name;

    public BackendChatClient(ChatBackend backend, String name) {
        this.backend = backend;
        this.name = name;
    }

    @Override
    public String modelName() {
        return name;
    }

    /** Whether the backend takes raw prompts (a llama.cpp model does). */
    @Override
    public boolean supportsRawPrompt() {
        return backend.supportsRawPrompt();
    }

    @Override
    public ChatResponse chat(ChatCompletionRequest r) {
        if (r.rawPrompt() && !backend.supportsRawPrompt()) {
            throw new dro.InvalidRequestException("A raw prompt (no chat template) is not available on "
                    + backend.getClass().getSimpleName());
        }
        if (r.jsonMode() && !(backend instanceof LlamaCppBackend)) {
            throw new dro.InvalidRequestException("JSON mode is not available on " + backend.getClass().getSimpleName());
        }
        List<String> choices = new ArrayList<>();
        Usage usage = null;
        for (int i = 0; i < r.n(); i++) {
            ChatRequest req = new ChatRequest(r.system(), r.user(), r.temperature(), r.topP(), r.maxTokens(), r.stop(),
                    r.seed() == null ? null : r.seed() + i, r.rawPrompt());
            Generation g = r.jsonMode() ? ((LlamaCppBackend) backend).generate(req, JSON_GRAMMAR)
                    : backend.generate(req);
            choices.add(g.text());
            Usage u = g.usage();
            usage = usage == null ? u : new Usage(usage.promptTokens(), usage.completionTokens() + u.completionTokens(),
                    -1);
        }
        return new ChatResponse(choices, usage);
    }

    @Override
    public void close() {
        backend.close();
    }

    private static String readGrammar() {
        try (InputStream in = BackendChatClient.class.getResourceAsStream("/dro4j/json-object.gbnf")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
