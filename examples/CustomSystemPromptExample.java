import dro.AutoModel;
import dro.GenerateOptions;
import java.nio.file.Path;

/**
 * The original README's second example: your own system prompt (which turns the optimised one off), still with
 * the most similar in-context examples.
 *
 * <pre>
 * java -cp "target/dro4j-0.1.0-SNAPSHOT.jar:target/lib/*" examples/CustomSystemPromptExample.java model.gguf
 * </pre>
 */
public class CustomSystemPromptExample {
    public static void main(String[] args) {
        Path gguf = Path.of(args.length > 0 ? args[0] : "mistral-7b-v0.1.Q4_K_M.gguf");
        try (AutoModel model = AutoModel.builder()
                .model(gguf)
                .maxModelLen(args.length > 1 ? Integer.parseInt(args[1]) : 4096)
                .build()) {
            String answer = model.generate("What is the capital of France?", GenerateOptions.builder()
                    .userSpecifiedSystemPrompt("You are a helpful assistant who answers in one short paragraph.")
                    .optimizedIcl(true)
                    .numOptimizedIcl(2)
                    .build());
            System.out.println(answer);
        }
    }
}
