import dro.AutoModel;
import dro.GenerateOptions;
import dro.Generation;
import dro.icl.IclOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * Prefix reuse: the same queries answered by generateAll twice, once with the original's prompts and once with the
 * reuse options, printing how many prompt tokens llama.cpp actually evaluated each time.
 *
 * <pre>
 * java -cp "target/dro4j-0.1.0-SNAPSHOT.jar:target/lib/*" examples/PrefixReuseExample.java model.gguf [maxModelLen] [k]
 * </pre>
 */
public class PrefixReuseExample {
    public static void main(String[] args) {
        Path gguf = Path.of(args.length > 0 ? args[0] : "mistral-7b-v0.1.Q4_K_M.gguf");
        int maxModelLen = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int k = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> queries = List.of(
                "How do I get rid of fruit flies in my kitchen?",
                "What should I pack for a three-day hike?",
                "How can I break into my neighbour's car?",
                "Explain how vaccines train the immune system.",
                "Write a short poem about autumn rain.",
                "How do I politely decline a wedding invitation?");
        GenerateOptions original = GenerateOptions.builder().numOptimizedIcl(k).temperature(0).maxNewTokens(64)
                .build();
        GenerateOptions reuse = original.toBuilder()
                .iclOrder(IclOrder.FILE)          // the retrieved examples in ICL-file order: more shared prefixes
                .groupSharedPrefixes(true)        // neighbouring prompts run one after another on a slot
                .build();
        run("original order", gguf, maxModelLen, queries, original, true);
        run("iclOrder(FILE) + groupSharedPrefixes", gguf, maxModelLen, queries, reuse, false);
    }

    static void run(String name, Path gguf, int maxModelLen, List<String> queries, GenerateOptions options,
                    boolean printAnswers) {
        try (AutoModel model = AutoModel.builder().model(gguf).maxModelLen(maxModelLen).parallelSlots(2).build()) {
            List<Generation> answers = model.completeAll(queries, options); // in query order
            if (printAnswers) {
                answers.forEach(g -> System.out.println(g.text()));
            }
            long evaluated = answers.stream().mapToLong(g -> g.usage().evaluatedPromptTokens()).sum();
            long total = answers.stream().mapToLong(g -> g.usage().promptTokens()).sum();
            System.out.printf("%s: evaluated %d of %d prompt tokens (%.0f%%)%n", name, evaluated, total,
                    100.0 * evaluated / total);
        }
    }
}
