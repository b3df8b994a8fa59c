package dro.bench;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * dro4j's overhead: {@code AutoModel.generate} against the binding's bare {@code LlamaModel.complete} on the same
 * prompt, the same loaded model (about 100M parameters, written by the benchmark) and the same settings, alternated
 * in one run.
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dro.bench.OverheadBenchmark</pre>
 *
 * {@code AutoModel.generate} does everything a user's call does: it embeds the query and retrieves the most similar
 * ICL example (k=1), assembles and counts the prompt, picks a slot, streams the answer and cleans it. The bare call
 * gets the assembled prompt text. Both reuse the cached prompt (the same prompt every time), so each call evaluates
 * one prompt token and generates 32. Optional arguments: calls per side (default 10), new tokens (default 32).
 */
public final class OverheadBenchmark {

    private OverheadBenchmark() { }

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int newTokens = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        Path dir = Files.createTempDirectory("dro4j-bench");
        try {
            Path gguf = BenchSupport.hundredMillionModel(dir, 8192);
            System.out.printf(Locale.ROOT, "Overhead: %d calls each, %d new tokens; %s%n", calls, newTokens,
                    BenchSupport.machine());
            String query = "How do I get rid of fruit flies in my kitchen?";
            GenerateOptions o = GenerateOptions.builder().numOptimizedIcl(1).temperature(0).topP(0.95)
                    .stop(List.of()).maxNewTokens(newTokens).build();
            try (AutoModel m = AutoModel.builder().model(gguf).threads(2).maxModelLen(8192).build();
                 LlamaModel bare = BenchSupport.loadBare(new ModelParameters().setModel(gguf.toString()).setThreads(2)
                         .setCtxSize(8192))) { // the binding alone, on its own copy of the model
                String prompt = m.assemble(query, o).prompt();
                long t0 = System.nanoTime();
                m.generate(query, o); // evaluates the prompt once; every later call reuses it
                System.out.printf(Locale.ROOT, "prompt: %d tokens, first evaluated in %.1f s%n",
                        bare.encode(prompt).length, BenchSupport.seconds(t0));
                bare.complete(params(prompt, newTokens));
                List<Double> ours = new ArrayList<>();
                List<Double> theirs = new ArrayList<>();
                for (int i = 0; i < calls; i++) {
                    t0 = System.nanoTime();
                    m.generate(query, o);
                    ours.add(BenchSupport.seconds(t0));
                    t0 = System.nanoTime();
                    bare.complete(params(prompt, newTokens));
                    theirs.add(BenchSupport.seconds(t0));
                }
                double a = BenchSupport.median(ours);
                double b = BenchSupport.median(theirs);
                System.out.printf(Locale.ROOT, "AutoModel.generate median %.3f s | LlamaModel.complete median %.3f s"
                        + " | overhead %+.1f%% (%.0f ms)%n", a, b, 100 * (a / b - 1), 1000 * (a - b));
                System.out.printf(Locale.ROOT, "totals: AutoModel.generate %.2f s | LlamaModel.complete %.2f s%n",
                        ours.stream().mapToDouble(Double::doubleValue).sum(),
                        theirs.stream().mapToDouble(Double::doubleValue).sum());
            }
        } finally {
            TestModels.deleteTree(dir);
        }
    }

    /** What dro4j sends for these options, without the slot: greedy, top-p 0.95, no stop strings. */
    private static InferenceParameters params(String prompt, int newTokens) {
        return new InferenceParameters(prompt).setTemperature(0f).setTopP(0.95f).setNPredict(newTokens)
                .setCachePrompt(true);
    }
}
