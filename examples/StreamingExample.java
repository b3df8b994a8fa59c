import dro.AutoModel;
import dro.GenerateOptions;
import dro.Generation;
import java.nio.file.Path;
import java.util.List;

/**
 * Streaming an answer as it is generated, then answering several queries at once in parallel slots.
 *
 * <pre>
 * java -cp "target/dro4j-0.1.0-SNAPSHOT.jar:target/lib/*" examples/StreamingExample.java model.gguf
 * </pre>
 */
public class StreamingExample {
    public static void main(String[] args) {
        Path gguf = Path.of(args.length > 0 ? args[0] : "mistral-7b-v0.1.Q4_K_M.gguf");
        try (AutoModel model = AutoModel.builder()
                .model(gguf)
                .maxModelLen(args.length > 1 ? Integer.parseInt(args[1]) : 4096)
                .parallelSlots(2)
                .build()) {
            GenerateOptions options = GenerateOptions.builder().numOptimizedIcl(1).temperature(0).build();
            Generation g = model.generate("Give me three tips for better sleep.", options, System.out::print);
            System.out.println();
            System.out.println("[" + g.usage().promptTokens() + " prompt tokens, " + g.usage().completionTokens()
                    + " generated, " + g.finishReason() + "]");
            List<String> answers = model.generateAll(List.of("What is 2+2?", "Name a primary colour."), options);
            answers.forEach(System.out::println);
        }
    }
}
