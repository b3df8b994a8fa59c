import dro.springai.DroAdvisor;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * dro4j in a Spring Boot application on an OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp's server, Ollama, ...):
 * Spring AI's OpenAI model answers ({@code spring-ai-starter-model-openai} in a project), and dro4j's auto-configuration
 * adds {@code DroAdvisor} to the auto-configured {@code ChatClient.Builder}. Every {@code ChatClient} request then
 * gets DRO's optimised system prompt (the prompt registry's for the configured model, else the base alignment prompt;
 * an INFO line says which) and the most similar in-context examples. For a local GGUF instead, see
 * {@code SpringBootExample.java}; details in docs/SPRING-AI.md.
 *
 * <pre>
 * ./mvnw -q -B -DskipTests package     # target/lib: dro4j's dependencies; target/spring-ai-openai: the OpenAI starter's
 * export OPENAI_API_KEY=...                          # any non-empty value for a server that needs no key
 * export OPENAI_BASE_URL=http://localhost:8000/v1    # leave unset for OpenAI
 * java -cp "target/dro4j-0.1.0-SNAPSHOT.jar:target/lib/*:target/spring-ai-openai/*" \
 *     examples/SpringBootEndpointExample.java gpt-4o-mini
 * </pre>
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class SpringBootEndpointExample {
    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : "gpt-4o-mini";
        SpringApplication app = new SpringApplication(SpringBootEndpointExample.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setLogStartupInfo(false);
        // In a project these lines are its application.properties.
        try (ConfigurableApplicationContext context = app.run(
                "--spring.ai.openai.api-key=${OPENAI_API_KEY}",
                "--spring.ai.openai.base-url=${OPENAI_BASE_URL:https://api.openai.com/v1}",
                "--spring.ai.openai.chat.options.model=" + model,
                "--dro4j.advisor.num-icl=2",                     // in-context examples per request (default 3)
                "--spring.main.banner-mode=off")) {
            ChatClient client = context.getBean(ChatClient.Builder.class).build();   // DroAdvisor is on it
            // A call: the answer cleaned as AutoModel cleans it; which prompt and examples DRO used is in the context.
            ChatClientResponse r = client.prompt().user("Give me one tip for better sleep.").call()
                    .chatClientResponse();
            System.out.println(r.chatResponse().getResult().getOutput().getText());
            System.out.println("[prompt: " + r.context().get(DroAdvisor.PROMPT_SOURCE) + " "
                    + r.context().get(DroAdvisor.PROMPT_ID) + "; examples: "
                    + r.context().get(DroAdvisor.ICL_EXAMPLES) + "]");
            // A stream, the same advisor. A caller's system message replaces the optimised prompt.
            client.prompt().system("Answer in one sentence.").user("Why is the sky blue?").stream().content()
                    .doOnNext(System.out::print).blockLast();
            System.out.println();
        }
    }
}
