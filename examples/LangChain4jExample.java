import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.langchain4j.DroChatModel;
import dro.langchain4j.LangChain4jChatModel;
import java.nio.file.Path;

/**
 * dro4j and LangChain4j both ways: a DRO model as a LangChain4j {@code ChatModel} (usable in {@code AiServices}),
 * and a LangChain4j {@code ChatModel} as the model under a DRO {@code AutoModel}.
 *
 * <pre>
 * java -cp "target/dro4j-0.1.0-SNAPSHOT.jar:target/lib/*" examples/LangChain4jExample.java model.gguf
 * </pre>
 */
public class LangChain4jExample {
    public static void main(String[] args) {
        Path gguf = Path.of(args.length > 0 ? args[0] : "mistral-7b-v0.1.Q4_K_M.gguf");
        GenerateOptions options = GenerateOptions.builder().optimizedIcl(false).temperature(0).maxNewTokens(256)
                .build();
        try (AutoModel dro = AutoModel.builder()
                .model(gguf)
                .maxModelLen(args.length > 1 ? Integer.parseInt(args[1]) : 4096)
                .build()) {
            // 1. DRO as a LangChain4j ChatModel: the optimised system prompt is added to every request.
            ChatModel lc4j = DroChatModel.builder().model(dro).options(options).build();
            System.out.println(lc4j.chat("Give me one tip for better sleep."));
            // A SystemMessage of the caller replaces the optimised prompt; usage and finish reason come back.
            ChatResponse r = lc4j.chat(SystemMessage.from("Answer in one sentence."),
                    UserMessage.from("Why is the sky blue?"));
            System.out.println(r.aiMessage().text());
            System.out.println("[" + r.tokenUsage().inputTokenCount() + " prompt tokens, "
                    + r.tokenUsage().outputTokenCount() + " generated, " + r.finishReason() + "]");

            // 2. A LangChain4j ChatModel under DRO. In a real program this is OpenAiChatModel, OllamaChatModel or any
            //    other; here the model from part 1 stands in, so the example needs nothing but the GGUF.
            try (AutoModel overLangChain4j = AutoModel.builder()
                    .chatModel(LangChain4jChatModel.of(lc4j))
                    .optimizedPrompt("You are a careful, honest assistant.")
                    .build()) {
                System.out.println(overLangChain4j.generate("Name a primary colour.", options));
            }
        }
    }
}
