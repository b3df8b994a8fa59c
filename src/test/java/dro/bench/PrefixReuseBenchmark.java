package dro.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.AssembledPrompt;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.Generation;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.icl.IclExample;
import dro.icl.IclOrder;
import dro.prompt.internal.PromptAssembler;
import dro.testing.TestModels;
import dro.testing.TinyGguf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Prefix reuse: of the prompt tokens of 100 varied queries, how many llama.cpp actually evaluates, with the original's
 * order and with the reuse options ({@code iclOrder(FILE)}, {@code groupSharedPrefixes}), side by side in one run.
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dro.bench.PrefixReuseBenchmark</pre>
 *
 * Every query gets the base alignment prompt plus the 3 most similar of the 22 shipped ICL examples (k=3), and
 * {@code generateAll} runs the 100 on a model with 4 parallel slots, fresh for each mode. Counts are exact (see
 * {@code Usage.evaluatedPromptTokens}). The model is a tiny random one with a byte-level vocabulary, since only the
 * counts matter: one token per byte, about 4 times the tokens of a BPE vocabulary, for shared and new text alike.
 * It first prints the floor for each order: what a cache that computes every distinct prompt prefix exactly once
 * would evaluate, the least any prefix reuse can reach; and, for comparison, the floor of an order chosen for this
 * batch. Optional arguments: slots (default 4), k (default 3), and {@code floors} to print the floors only, or
 * {@code dump FILE} to write the prompts in file order with their examples as JSON for
 * {@code docs/bench/optimal_icl_order.py}, which finds the order per query that shares the most (an integer program).
 */
public final class PrefixReuseBenchmark {

    private PrefixReuseBenchmark() { }

    public static void main(String[] args) throws Exception {
        int slots = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int k = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        boolean floorsOnly = args.length > 2 && args[2].equals("floors");
        Path dump = args.length > 3 && args[2].equals("dump") ? Path.of(args[3]) : null;
        List<String> queries = BenchSupport.hundredQueries();
        Path dir = Files.createTempDirectory("dro4j-bench");
        try {
            Path gguf = TinyGguf.random(dir.resolve("counting.gguf"), 3, 32, 1, 2, 32, 16384, TinyGguf.CHAT_TEMPLATE);
            System.out.printf(Locale.ROOT, "Prefix reuse: %d queries, k=%d shipped ICL examples, generateAll on %d"
                    + " slots; %s%n", queries.size(), k, slots, BenchSupport.machine());
            GenerateOptions base = GenerateOptions.builder().numOptimizedIcl(k).temperature(0).maxNewTokens(4)
                    .stop(List.of()).build();
            if (dump != null) {
                dump(gguf, queries, base, dump);
                System.out.println("wrote " + dump);
            } else {
                floor(gguf, queries, base);
            }
            if (!floorsOnly && dump == null) {
                run("original order (default)", gguf, slots, queries, base);
                run("original order + groupSharedPrefixes", gguf, slots, queries,
                        base.toBuilder().groupSharedPrefixes(true).build());
                run("iclOrder(FILE)", gguf, slots, queries, base.toBuilder().iclOrder(IclOrder.FILE).build());
                run("iclOrder(FILE) + groupSharedPrefixes", gguf, slots, queries,
                        base.toBuilder().iclOrder(IclOrder.FILE).groupSharedPrefixes(true).build());
            }
        } finally {
            TestModels.deleteTree(dir);
        }
    }

    /**
     * The least any prefix cache can evaluate for these prompts: every distinct prefix once. With the prompts sorted,
     * that is each prompt's tokens after the prefix it shares with the one before (the tiny model reads one token per
     * UTF-8 byte). Computed from the prompt texts, without the model.
     */
    private static void floor(Path gguf, List<String> queries, GenerateOptions base) {
        ChatModel chat = AutoModel.builder().model(gguf).threads(1).maxModelLen(12288).buildChatModel();
        try (AutoModel m = AutoModel.builder().chatModel(chat).build()) {
            List<List<IclExample>> sets = new ArrayList<>();
            for (IclOrder order : IclOrder.values()) {
                GenerateOptions o = base.toBuilder().iclOrder(order).build();
                List<String> prompts = new ArrayList<>();
                for (String q : queries) {
                    AssembledPrompt a = m.assemble(q, o);
                    prompts.add(a.prompt());
                    if (order == IclOrder.FILE) {
                        sets.add(a.examples());
                    }
                }
                printFloor("floor, iclOrder(" + order + ")", prompts);
            }
            // For comparison: an order chosen for this batch, each query's examples ordered so that the example most
            // of the remaining sets hold comes first, recursively (not an option of dro4j).
            Map<Integer, List<IclExample>> greedy = new HashMap<>();
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < queries.size(); i++) {
                all.add(i);
            }
            greedyOrder(sets, all, new ArrayList<>(), greedy);
            List<String> prompts = new ArrayList<>();
            for (int i = 0; i < queries.size(); i++) {
                prompts.add(chat.renderPrompt(ChatModelRequest.builder(PromptAssembler.system(m.systemPrompt(),
                        greedy.get(i)), PromptAssembler.user(queries.get(i))).build()));
            }
            printFloor("floor, an order chosen for the batch", prompts);
        }
    }

    /**
     * Writes {@code {"prompts": [{"prompt", "examples": [query...]}], "blocks": {query: text}}}: each prompt in file
     * order, and the text each example adds to a system prompt, for an offline search of the best order.
     */
    private static void dump(Path gguf, List<String> queries, GenerateOptions base, Path file) throws IOException {
        try (AutoModel m = AutoModel.builder().model(gguf).threads(1).maxModelLen(12288).build()) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            ArrayNode prompts = root.putArray("prompts");
            ObjectNode blocks = root.putObject("blocks");
            GenerateOptions o = base.toBuilder().iclOrder(IclOrder.FILE).build();
            for (String q : queries) {
                AssembledPrompt a = m.assemble(q, o);
                ObjectNode entry = prompts.addObject();
                entry.put("prompt", a.prompt());
                ArrayNode examples = entry.putArray("examples");
                for (IclExample e : a.examples()) {
                    examples.add(e.query());
                    blocks.put(e.query(), PromptAssembler.system("", List.of(e)));
                }
            }
            json.writeValue(file.toFile(), root);
        }
    }

    private static void printFloor(String name, List<String> texts) {
        List<byte[]> prompts = new ArrayList<>();
        for (String t : texts) {
            prompts.add(t.getBytes(StandardCharsets.UTF_8));
        }
        prompts.sort(Arrays::compareUnsigned);
        long total = 0;
        long distinct = 0;
        byte[] previous = new byte[0];
        for (byte[] p : prompts) {
            int common = Math.max(0, Arrays.mismatch(previous, p));
            if (Arrays.equals(previous, p)) {
                common = p.length - 1;
            }
            total += p.length;
            distinct += p.length - common;
            previous = p;
        }
        System.out.printf(Locale.ROOT, "%-40s %8d of %8d prompt tokens = %5.1f%% at the least%n", name, distinct,
                total, 100.0 * distinct / total);
    }

    /** Puts first the example that most of {@code members}' sets hold, then recurses into those sets and the rest. */
    private static void greedyOrder(List<List<IclExample>> sets, List<Integer> members, List<IclExample> prefix,
                                    Map<Integer, List<IclExample>> out) {
        List<Integer> rest = members;
        while (!rest.isEmpty()) {
            Map<IclExample, Integer> count = new LinkedHashMap<>();
            for (int i : rest) {
                for (IclExample e : sets.get(i)) {
                    if (!prefix.contains(e)) {
                        count.merge(e, 1, Integer::sum);
                    }
                }
            }
            if (count.isEmpty()) {
                rest.forEach(i -> out.put(i, prefix));
                return;
            }
            IclExample best = count.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            List<Integer> with = new ArrayList<>();
            List<Integer> without = new ArrayList<>();
            for (int i : rest) {
                (sets.get(i).contains(best) ? with : without).add(i);
            }
            List<IclExample> longer = new ArrayList<>(prefix);
            longer.add(best);
            greedyOrder(sets, with, longer, out);
            rest = without;
        }
    }

    private static void run(String name, Path gguf, int slots, List<String> queries, GenerateOptions options) {
        try (AutoModel m = AutoModel.builder().model(gguf).threads(2).parallelSlots(slots).maxModelLen(12288)
                .build()) {
            long t0 = System.nanoTime();
            List<Generation> out = m.completeAll(queries, options);
            double s = BenchSupport.seconds(t0);
            long prompt = 0;
            long evaluated = 0;
            int unknown = 0;
            for (Generation g : out) {
                prompt += g.usage().promptTokens();
                if (g.usage().evaluatedPromptTokens() < 0) {
                    unknown++;
                } else {
                    evaluated += g.usage().evaluatedPromptTokens();
                }
            }
            System.out.printf(Locale.ROOT, "%-40s evaluated %8d of %8d prompt tokens = %5.1f%%%s (%.0f s)%n", name,
                    evaluated, prompt, 100.0 * evaluated / prompt, unknown == 0 ? "" : " (" + unknown + " unknown)",
                    s);
        }
    }
}
