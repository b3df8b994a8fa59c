package dro.backend.llamacpp;

import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs requests whose prompts share prefixes in various ways, one at a time, and prints the evaluated prompt tokens
 * dro4j counts for each, one line {@code dro4j-evaluated N} per request, on standard output. Run with llama.cpp's
 * own log on ({@code DRO4J_NATIVE_LOG=1}), its standard error holds what llama.cpp evaluated for each request
 * ({@code prompt eval time = ... / N tokens}): {@link EvaluatedPromptTokensTest} compares the two.
 */
public final class EvaluatedTokensProbe {

    private EvaluatedTokensProbe() { }

    /** Prompts (system, user) in the order they are sent: every kind of overlap with what the slots hold. */
    static final List<String[]> SCRIPT = List.of(
            new String[] {"You are a careful assistant. Answer briefly.", "What is rice?"},
            new String[] {"You are a careful assistant. Answer briefly.", "What is rice?"},
            new String[] {"You are a careful assistant. Answer briefly.", "What is corn?"},
            new String[] {"Totally different system prompt.", "What is rice?"},
            new String[] {"You are a careful assistant. Answer briefly.", "What is rice?"},
            new String[] {"You are a careful assistant. Answer at length.", "What is wheat?"},
            new String[] {"Totally different system prompt.", "What is rice?"},
            new String[] {"Totally different system prompt.", "What is rice? And corn?"},
            new String[] {"Totally different system prompt.", "What is rice?"},
            new String[] {"You are a careful assistant.", "Short."});

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path bosModel = TinyGguf.scripted(dir.resolve("bos.gguf"), TestModels.SCRIPT, null, 4096,
                Map.of("tokenizer.ggml.add_bos_token", true));
        run(TestModels.scriptedChat(), 2);
        run(bosModel, 1);
        System.out.flush();
    }

    private static void run(Path model, int slots) {
        try (ChatModel b = LocalChatModels.load(model, slots, 2048, null)) {
            for (String[] p : SCRIPT) {
                ChatModelResponse g = b.chat(ChatModelRequest.builder(p[0], p[1]).temperature(0).maxNewTokens(4)
                        .build());
                System.out.println("dro4j-evaluated " + g.usage().evaluatedPromptTokens() + " of "
                        + g.usage().promptTokens());
            }
        }
    }
}
