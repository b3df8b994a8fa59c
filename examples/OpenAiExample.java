import dro.AutoModel;
import dro.GenerateOptions;
import dro.Generation;
import java.time.Duration;
import java.util.List;

/**
 * The original's {@code open_ai_model=True}: DRO in front of a model on an OpenAI-compatible endpoint, OpenAI itself
 * or a server of your own (vLLM, llama.cpp's server, Ollama, ...). The key comes from OPENAI_API_KEY, the endpoint
 * from OPENAI_BASE_URL (OpenAI's when unset).
 *
 * <pre>
 * ./mvnw -q -B -DskipTests package
 * export OPENAI_API_KEY=...                          # any non-empty value for a server that needs no key
 * export OPENAI_BASE_URL=http://localhost:8000/v1    # leave unset for OpenAI
 * java -cp "target/dro4j-0.1.0-SNAPSHOT.jar:target/lib/*" examples/OpenAiExample.java gpt-4o-mini
 * </pre>
 */
public class OpenAiExample {
    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "gpt-4o-mini";
        try (AutoModel model = AutoModel.builder()
                .openAiModel(true)
                .model(name)
                .timeout(Duration.ofSeconds(60))   // per HTTP request; 429, 5xx and timeouts are retried
                .maxConcurrency(2)                 // requests generateAll sends at once
                .build()) {
            GenerateOptions options = GenerateOptions.builder()
                    .numOptimizedIcl(2)
                    .temperature(0.7)
                    .topP(0.95)
                    .maxNewTokens(512)
                    .build();
            System.out.println(model.generate("How do I make a cake?", options));

            Generation g = model.generate("Give me three tips for better sleep.", options, System.out::print);
            System.out.println();
            System.out.println("[" + g.usage().promptTokens() + " prompt tokens, " + g.usage().completionTokens()
                    + " completion tokens, " + g.finishReason() + "]");

            List<String> answers = model.generateAll(List.of("What is 2+2?", "Name a primary colour."), options);
            answers.forEach(System.out::println);
        }
    }
}
