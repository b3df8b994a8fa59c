import dro.springai.DroChatModel;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * dro4j in a Spring Boot application: {@code dro4j.model} makes dro4j's auto-configuration add an {@code AutoModel}
 * bean (closed with the context) and a Spring AI {@code ChatModel} over it ({@code DroChatModel}), which a
 * {@code ChatClient} calls and streams. In an application with a Spring AI model starter (OpenAI, Ollama, ...) instead,
 * the same auto-configuration adds {@code DroAdvisor} to the auto-configured {@code ChatClient.Builder}: see
 * {@code SpringBootEndpointExample.java} and docs/SPRING-AI.md.
 *
 * <pre>
 * java -cp "target/dro4j-0.1.0-SNAPSHOT.jar:target/lib/*" examples/SpringBootExample.java model.gguf [max-model-len]
 * </pre>
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class SpringBootExample {
    public static void main(String[] args) {
        String gguf = args.length > 0 ? args[0] : "mistral-7b-v0.1.Q4_K_M.gguf";
        SpringApplication app = new SpringApplication(SpringBootExample.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setLogStartupInfo(false);
        try (ConfigurableApplicationContext context = app.run(
                "--dro4j.model=" + gguf,
                "--dro4j.max-model-len=" + (args.length > 1 ? args[1] : "4096"),
                "--dro4j.advisor.num-icl=0",                      // no in-context examples: no embedder needed
                "--spring.main.banner-mode=off")) {
            ChatClient client = ChatClient.create(context.getBean(DroChatModel.class));
            // A call: DRO's optimised system prompt is added; the cleaned answer, usage and finish reason come back.
            ChatResponse r = client.prompt().user("Give me one tip for better sleep.").call().chatResponse();
            System.out.println(r.getResult().getOutput().getText());
            System.out.println("[" + r.getMetadata().getUsage().getPromptTokens() + " prompt tokens, "
                    + r.getMetadata().getUsage().getCompletionTokens() + " generated, "
                    + r.getResult().getMetadata().getFinishReason() + "]");
            // A stream: the pieces as they are generated. A caller's system message replaces the optimised prompt.
            client.prompt().system("Answer in one sentence.").user("Why is the sky blue?").stream().content()
                    .doOnNext(System.out::print).blockLast();
            System.out.println();
        }
    }
}
