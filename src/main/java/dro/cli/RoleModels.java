package dro.cli;

import dro.AutoModel;
import dro.backend.BackendChatClient;
import dro.backend.ChatClient;
import dro.hub.HfFile;
import dro.hub.ModelCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns the model of each training role into a {@link ChatClient}. A GGUF file, an {@code hf://} name or a name from
 * the model catalogue (such as {@code mistralai/Mistral-7B-v0.1}, downloaded once) is a local llama.cpp model, loaded
 * once however many roles use it; anything else is a model name at the OpenAI-compatible endpoint given by the
 * environment.
 */
final class RoleModels implements AutoCloseable {

    private final Map<String, ChatClient> loaded = new LinkedHashMap<>();
    private final Function<String, AutoModel.Builder> local;
    private final Function<String, ChatClient> api;

    RoleModels(Function<String, AutoModel.Builder> local, Function<String, ChatClient> api) {
        this.local = local;
        this.api = api;
    }

    /** Whether a role's model names a local file rather than an API model. */
    static boolean isLocal(String spec) {
        return spec.endsWith(".gguf") || spec.startsWith(HfFile.SCHEME) || ModelCatalog.DEFAULT.find(spec).isPresent()
                || Files.isRegularFile(Path.of(spec));
    }

    ChatClient client(String spec) {
        return loaded.computeIfAbsent(spec, s -> isLocal(s)
                ? new BackendChatClient(local.apply(s).build().backend(), s) : api.apply(s));
    }

    @Override
    public void close() {
        loaded.values().forEach(ChatClient::close);
    }
}
