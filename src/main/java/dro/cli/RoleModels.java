package dro.cli;

import dro.AutoModel;
import dro.backend.BackendChatClient;
import dro.backend.ChatClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns the model of each training role into a {@link ChatClient}: a path to a GGUF file is a local llama.cpp model
 * (loaded once, however many roles use it); anything else is a model name at the OpenAI-compatible endpoint given
 * by the environment.
 */
final class RoleModels implements AutoCloseable {

    private final Map<String, ChatClient> loaded = new LinkedHashMap<>();
    private final Function<Path, AutoModel.Builder> local;
    private final Function<String, ChatClient> api;

    RoleModels(Function<Path, AutoModel.Builder> local, Function<String, ChatClient> api) {
        this.local = local;
        this.api = api;
    }

    /** Whether a role's model names a local file rather than an API model. */
    static boolean isLocal(String spec) {
        return spec.endsWith(".gguf") || Files.isRegularFile(Path.of(spec));
    }

    ChatClient client(String spec) {
        return loaded.computeIfAbsent(spec, s -> isLocal(s)
                ? new BackendChatClient(local.apply(Path.of(s)).build().backend(), Path.of(s).getFileName().toString())
                : api.apply(s));
    }

    @Override
    public void close() {
        loaded.values().forEach(ChatClient::close);
    }
}
