import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.util.Map;

/**
 * A client of a running {@code dro serve}, with the official OpenAI Java client and nothing of dro4j: DRO's
 * optimised prompt and in-context examples are added by the server. Any OpenAI client works the same way, in any
 * language: give it the server's base URL.
 *
 * <pre>
 * bin/dro serve --model mistral-7b-instruct --port 8080            # in one terminal
 * java -cp "target/dro4j-0.1.0-SNAPSHOT.jar:target/lib/*" examples/ServeClientExample.java \
 *     http://127.0.0.1:8080/v1 mistral-7b-instruct                # in another
 * </pre>
 * With API keys ({@code dro serve --api-keys FILE}), put one in DRO_SERVE_API_KEY for this example.
 */
public class ServeClientExample {
    public static void main(String[] args) {
        String baseUrl = args.length > 0 ? args[0] : "http://127.0.0.1:8080/v1";
        String model = args.length > 1 ? args[1] : "mistral-7b-instruct";
        String key = System.getenv().getOrDefault("DRO_SERVE_API_KEY", "no-key");
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey(key).build();
        try {
            // 1. An ordinary chat completion: the server answers it behind the model's DRO prompt and examples.
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(model)
                    .addUserMessage("How do I make a cake?")
                    .maxCompletionTokens(256)
                    .build());
            System.out.println(c.choices().get(0).message().content().orElse(""));

            // 2. Streamed, with the usage in a last chunk.
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder()
                            .model(model)
                            .addUserMessage("Give me three tips for better sleep.")
                            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                            .build())) {
                stream.stream().forEach(chunk -> {
                    chunk.choices().forEach(ch -> ch.delta().content().ifPresent(System.out::print));
                    chunk.usage().ifPresent(u -> System.out.println("\n[" + u.promptTokens() + " prompt tokens, "
                            + u.completionTokens() + " completion tokens]"));
                });
            }

            // 3. DRO's parts turned off for one request by the extension object.
            ChatCompletion plain = client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(model)
                    .addUserMessage("What is 2+2?")
                    .putAdditionalBodyProperty("dro", JsonValue.from(Map.of("optimized_prompt", false, "num_icl", 0)))
                    .build());
            System.out.println(plain.choices().get(0).message().content().orElse(""));
        } finally {
            client.close();
        }
    }
}
