import dro.AutoModel;
import dro.GenerateOptions;
import java.nio.file.Path;

/**
 * The original README's first example: the model's optimised system prompt plus the three most similar
 * in-context examples.
 *
 * <pre>
 * ./mvnw -q -B -DskipTests package
 * java -cp "target/dro4j-0.1.0-SNAPSHOT.jar:target/lib/*" examples/OptimizedPromptExample.java model.gguf
 * </pre>
 */
public class OptimizedPromptExample {
    public static void main(String[] args) {
        Path gguf = Path.of(args.length > 0 ? args[0] : "mistral-7b-v0.1.Q4_K_M.gguf");
        try (AutoModel model = AutoModel.builder()
                .model(gguf)
                .maxModelLen(args.length > 1 ? Integer.parseInt(args[1]) : 4096)
                .build()) {
            String answer = model.generate("How do I make a cake?", GenerateOptions.builder()
                    .optimizedPrompt(true)
                    .optimizedIcl(true)
                    .numOptimizedIcl(3)
                    .temperature(0.7)
                    .topP(0.95)
                    .maxNewTokens(512)
                    .build());
            System.out.println(answer);
        }
    }
}
