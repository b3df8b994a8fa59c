package dro.testing;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.Generation;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads the GGUF model {@code args[0]} through {@link AutoModel} and prints on standard output how its greedy answer
 * to one question (at most 48 new tokens) ended, {@code LENGTH 48} for instance, then a newline and the answer. Run with llama.cpp's own log on ({@code DRO4J_NATIVE_LOG=1}), its standard error
 * holds what llama.cpp reports of the file (its file type, the tensor types): {@link TinyGgufTest} reads both.
 */
public final class QuantisedModelProbe {

    private QuantisedModelProbe() { }

    public static void main(String[] args) {
        GenerateOptions o = GenerateOptions.builder().temperature(0).optimizedIcl(false)
                .userSpecifiedSystemPrompt("Be brief.").stop(List.of()).maxNewTokens(48).build();
        try (AutoModel m = AutoModel.builder().model(Path.of(args[0])).threads(2).maxModelLen(256).build()) {
            Generation g = m.complete("Hello, who are you?", o);
            System.out.print(g.finishReason() + " " + g.usage().completionTokens() + "\n" + g.text());
        }
    }
}
