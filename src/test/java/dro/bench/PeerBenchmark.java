package dro.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.Generation;
import dro.backend.llamacpp.LlamaCppSettings;
import dro.gguf.GgufFile;
import dro.prompt.internal.PromptAssembler;
import dro.testing.TestModels;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * dro4j against llama.cpp's own server on the same generated model file, the same prompts, slots, threads and
 * context, side by side in one run: generated tokens per second of requests one after another and of all at once,
 * and the ratios dro4j/server.
 *
 * <pre>./mvnw -q -B test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dro.bench.PeerBenchmark \
 *     -Dexec.args="--llama-server /path/to/llama-server"</pre>
 *
 * The server binary comes from {@code --llama-server PATH} or the environment variable {@code LLAMA_SERVER}; without
 * one, dro4j is measured alone and the output says so. The benchmark starts the server on a free port of 127.0.0.1
 * ({@code -m FILE -c CELLS -np SLOTS -t THREADS -tb THREADS}, {@code -c} being the KV cells dro4j gives llama.cpp for
 * those settings), waits for its {@code /health}, and stops it at the end.
 *
 * <p>Workload: the 8 short queries of {@link ParallelSlotsBenchmark} (no ICL, a one-line system prompt), greedy, no
 * stop strings, 64 and then 256 new tokens, on a Q4_K_M and an F16 random llama model of 71.2M parameters (embd 768,
 * 12 layers, ff 1536). dro4j runs {@code complete} one query after another, {@code complete} from 8 threads at once
 * (and {@code completeAll}); the server gets the text dro4j sends ({@code AutoModel.assemble(q, o).prompt()}, the
 * rendered chat template) as non-streamed POSTs to {@code /completion} with {@code n_predict}, {@code temperature 0}
 * and {@code cache_prompt}, one after another and from 8 concurrent clients. In each round the two sides alternate
 * (sequential, then concurrent; which side goes first alternates too), so that they share the machine's noise; the
 * figures are medians over the rounds; each model is measured in a JVM of its own ({@link BenchSupport#ranPerModel}).
 * The prompt tokens each side counts are compared, and the answers: dro4j's
 * concurrent ones with its sequential ones, the server's likewise, and dro4j's sequential ones with the server's.
 *
 * <p>Arguments: {@code --rounds N} (default 3), {@code --tokens 64,256}, {@code --models Q4_K_M,F16} (or
 * {@code F16-114M}), {@code --queries 8}, {@code --slots 4}, {@code --threads 2}, {@code --llama-server PATH};
 * a quick check: {@code --rounds 1 --tokens 16 --models Q4_K_M}.
 */
public final class PeerBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PeerBenchmark() { }

    private record Options(int rounds, List<Integer> lengths, List<String> models, int queries, int slots,
                           int threads, Path server) { }

    /** {@code args} with {@code --models} set to one model. */
    private static List<String> withModel(String[] args, String model) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--models") && i + 1 < args.length) {
                i++;
            } else {
                out.add(args[i]);
            }
        }
        out.add("--models");
        out.add(model);
        return out;
    }

    /** One side's answers to the queries and the tokens it generated. */
    private record Answers(List<String> texts, long tokens, long promptTokens) { }

    public static void main(String[] args) throws Exception {
        Options opt = parse(args);
        if (BenchSupport.ranPerModel(PeerBenchmark.class, opt.models(), m -> withModel(args, m))) {
            return;
        }
        int longest = opt.lengths().stream().mapToInt(Integer::intValue).max().orElseThrow();
        int maxModelLen = Math.max(512, longest + 256);
        List<String> queries = BenchSupport.shortQueries(opt.queries());
        System.out.printf(Locale.ROOT, "Peer benchmark: %d queries, %s new tokens, %d slots, %d threads, %d round(s);"
                + " %s%n", opt.queries(), opt.lengths(), opt.slots(), opt.threads(), opt.rounds(),
                BenchSupport.machine());
        if (opt.server() == null) {
            System.out.println("NO llama-server given (--llama-server PATH or LLAMA_SERVER): measuring dro4j ALONE,"
                    + " no comparison with llama.cpp's server.");
        } else {
            System.out.println("llama-server: " + opt.server() + " (" + version(opt.server()) + ")");
        }
        List<String> table = new ArrayList<>();
        Path dir = Files.createTempDirectory("dro4j-peer");
        ExecutorService pool = Executors.newFixedThreadPool(opt.queries());
        try {
            for (String format : opt.models()) {
                Path gguf = BenchSupport.slotModel(dir, format, Math.max(1024, maxModelLen));
                int cells = kvCells(gguf, maxModelLen, opt);
                try (AutoModel m = AutoModel.builder().model(gguf).threads(opt.threads())
                        .parallelSlots(opt.slots()).maxModelLen(maxModelLen).build();
                     Server server = opt.server() == null ? null
                             : Server.start(opt.server(), gguf, cells, opt, dir.resolve("server-" + format + ".log"))) {
                    System.out.printf(Locale.ROOT, "%s: dro4j maxModelLen %d x %d slots = llama.cpp context %d;"
                            + " server: %s%n", format, maxModelLen, opt.slots(), cells,
                            server == null ? "none" : String.join(" ", server.command));
                    m.generate("Warm up.", BenchSupport.slotOptions(8));
                    if (server != null) {
                        server.complete("Warm up.", 8);
                    }
                    for (int newTokens : opt.lengths()) {
                        table.addAll(measure(m, server, pool, format, queries, newTokens, opt.rounds()));
                    }
                }
                Files.delete(gguf);
            }
        } finally {
            pool.shutdownNow();
            TestModels.deleteTree(dir);
        }
        System.out.println();
        System.out.println("| model | new tokens | side | one after another | " + opt.queries() + " at once |");
        System.out.println("| --- | --- | --- | --- | --- |");
        table.forEach(System.out::println);
        if (opt.server() == null) {
            System.out.println("(dro4j alone: no llama-server was given)");
        }
    }

    private static List<String> measure(AutoModel m, Server server, ExecutorService pool, String format,
                                        List<String> queries, int newTokens, int rounds) throws Exception {
        GenerateOptions o = BenchSupport.slotOptions(newTokens);
        List<String> prompts = new ArrayList<>();
        for (String q : queries) {
            prompts.add(m.assemble(q, o).prompt());
        }
        List<Double> dSeq = new ArrayList<>(), dConc = new ArrayList<>(), dAll = new ArrayList<>();
        List<Double> sSeq = new ArrayList<>(), sConc = new ArrayList<>();
        List<Double> seqRatio = new ArrayList<>(), concRatio = new ArrayList<>(), allRatio = new ArrayList<>();
        int serverDiffer = 0, concDiffer = 0, serverConcDiffer = 0;
        for (int round = 1; round <= rounds; round++) {
            boolean droFirst = round % 2 == 1;
            double[] r = new double[5];
            Answers droSeq = null;
            Answers srvSeq = null;
            for (int side = 0; side < 2; side++) {
                if ((side == 0) == droFirst) {
                    long t0 = System.nanoTime();
                    droSeq = dro(sequential(m, queries, o), newTokens);
                    r[0] = droSeq.tokens() / BenchSupport.seconds(t0);
                } else if (server != null) {
                    long t0 = System.nanoTime();
                    srvSeq = server.sequential(prompts, newTokens);
                    r[3] = srvSeq.tokens() / BenchSupport.seconds(t0);
                }
            }
            Answers droConc = null;
            Answers srvConc = null;
            for (int side = 0; side < 2; side++) {
                if ((side == 0) == droFirst) {
                    long t0 = System.nanoTime();
                    droConc = dro(concurrent(m, pool, queries, o), newTokens);
                    r[1] = droConc.tokens() / BenchSupport.seconds(t0);
                    t0 = System.nanoTime();
                    r[2] = dro(m.completeAll(queries, o), newTokens).tokens() / BenchSupport.seconds(t0);
                } else if (server != null) {
                    long t0 = System.nanoTime();
                    srvConc = server.concurrent(prompts, newTokens);
                    r[4] = srvConc.tokens() / BenchSupport.seconds(t0);
                }
            }
            dSeq.add(r[0]);
            dConc.add(r[1]);
            dAll.add(r[2]);
            concDiffer += differing(droSeq.texts(), droConc.texts());
            String peer = "";
            if (server != null) {
                sSeq.add(r[3]);
                sConc.add(r[4]);
                seqRatio.add(r[0] / r[3]);
                concRatio.add(r[1] / r[4]);
                allRatio.add(r[2] / r[4]);
                serverDiffer += differing(droSeq.texts(), srvSeq.texts());
                serverConcDiffer += differing(srvSeq.texts(), srvConc.texts());
                if (round == 1 && droSeq.promptTokens() != srvSeq.promptTokens()) {
                    System.out.printf(Locale.ROOT, "WARNING: the sides read different prompts: dro4j counts %d prompt"
                            + " tokens, the server %d%n", droSeq.promptTokens(), srvSeq.promptTokens());
                }
                peer = String.format(Locale.ROOT, " || server: sequential %6.1f, concurrent %6.1f tokens/s ||"
                        + " dro4j/server %.2fx and %.2fx", r[3], r[4], r[0] / r[3], r[1] / r[4]);
            }
            System.out.printf(Locale.ROOT, "%s, %d new tokens, round %d: dro4j: sequential %6.1f, concurrent %6.1f,"
                    + " completeAll %6.1f tokens/s%s%n", format, newTokens, round, r[0], r[1], r[2], peer);
        }
        int answers = rounds * queries.size();
        List<String> rows = new ArrayList<>();
        rows.add(String.format(Locale.ROOT, "| %s | %d | dro4j `complete` (concurrent: %d threads) | %.1f tokens/s |"
                        + " %.1f tokens/s (%.2f×; %d of %d answers differ from sequential) |", format, newTokens,
                queries.size(), BenchSupport.median(dSeq), BenchSupport.median(dConc),
                BenchSupport.median(dConc) / BenchSupport.median(dSeq), concDiffer, answers));
        rows.add(String.format(Locale.ROOT, "| %s | %d | dro4j `completeAll` | | %.1f tokens/s (%.2f×) |", format,
                newTokens, BenchSupport.median(dAll), BenchSupport.median(dAll) / BenchSupport.median(dSeq)));
        if (server != null) {
            rows.add(String.format(Locale.ROOT, "| %s | %d | llama-server `/completion` | %.1f tokens/s |"
                            + " %.1f tokens/s (%.2f×; %d of %d answers differ from its sequential) |", format,
                    newTokens, BenchSupport.median(sSeq), BenchSupport.median(sConc),
                    BenchSupport.median(sConc) / BenchSupport.median(sSeq), serverConcDiffer, answers));
            rows.add(String.format(Locale.ROOT, "| %s | %d | **dro4j / server** (median of rounds' ratios) |"
                            + " **%.2f×** | **%.2f×** (`completeAll`: %.2f×); %d of %d sequential answers differ"
                            + " from the server's |", format, newTokens, BenchSupport.median(seqRatio),
                    BenchSupport.median(concRatio), BenchSupport.median(allRatio), serverDiffer, answers));
        }
        return rows;
    }

    private static List<Generation> sequential(AutoModel m, List<String> queries, GenerateOptions o) {
        List<Generation> out = new ArrayList<>();
        for (String q : queries) {
            out.add(m.complete(q, o));
        }
        return out;
    }

    private static List<Generation> concurrent(AutoModel m, ExecutorService pool, List<String> queries,
                                               GenerateOptions o) throws Exception {
        List<Future<Generation>> futures = new ArrayList<>();
        for (String q : queries) {
            futures.add(pool.submit(() -> m.complete(q, o)));
        }
        List<Generation> out = new ArrayList<>();
        for (Future<Generation> f : futures) {
            out.add(f.get());
        }
        return out;
    }

    private static Answers dro(List<Generation> gs, int newTokens) {
        long prompt = 0;
        List<String> texts = new ArrayList<>();
        for (Generation g : gs) {
            prompt += g.usage().promptTokens();
            texts.add(g.text());
        }
        return new Answers(texts, ParallelSlotsBenchmark.tokens(gs, newTokens), prompt);
    }

    private static int differing(List<String> a, List<String> b) {
        int differ = 0;
        for (int i = 0; i < a.size(); i++) {
            differ += a.get(i).equals(b.get(i)) ? 0 : 1;
        }
        return differ;
    }

    /** The KV cells dro4j gives llama.cpp for these settings (its {@code --ctx-size}). */
    private static int kvCells(Path gguf, int maxModelLen, Options opt) {
        List<String> args = new LlamaCppSettings(gguf, 0, null, LlamaCppSettings.DEFAULT_DTYPE,
                LlamaCppSettings.DEFAULT_GPU_MEMORY_UTILIZATION, maxModelLen, null, null, opt.threads(), opt.slots())
                .plan(GgufFile.read(gguf), false, null, false).args();
        int i = args.indexOf("--ctx-size");
        if (i < 0) {
            throw new IllegalStateException("no --ctx-size in dro4j's llama.cpp parameters " + args);
        }
        return Integer.parseInt(args.get(i + 1));
    }

    private static Options parse(String[] args) {
        int rounds = 3, queries = 8, slots = 4, threads = 2;
        String tokens = "64,256", models = "Q4_K_M,F16";
        String server = System.getenv("LLAMA_SERVER");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("argument " + a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--tokens" -> tokens = v;
                case "--models" -> models = v;
                case "--queries" -> queries = Integer.parseInt(v);
                case "--slots" -> slots = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                case "--llama-server" -> server = v;
                default -> throw new IllegalArgumentException("unknown argument " + a + "; known: --rounds, --tokens,"
                        + " --models, --queries, --slots, --threads, --llama-server");
            }
        }
        Path serverPath = null;
        if (server != null && !server.isBlank()) {
            serverPath = Path.of(server);
            if (!Files.isExecutable(serverPath)) {
                throw new IllegalArgumentException("llama-server " + serverPath + " is not an executable file");
            }
        }
        return new Options(rounds, BenchSupport.list(tokens).stream().map(Integer::parseInt).toList(),
                BenchSupport.list(models), queries, slots, threads, serverPath);
    }

    private static String version(Path server) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(server.toString(), "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        for (String line : out.split("\n")) {
            if (line.startsWith("version")) {
                return line.strip();
            }
        }
        return "version unknown";
    }

    /** llama.cpp's server, started on a free loopback port and stopped on close. */
    private static final class Server implements AutoCloseable {
        private final Process process;
        private final List<String> command;
        private final URI completion;
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();

        private Server(Process process, List<String> command, int port) {
            this.process = process;
            this.command = command;
            this.completion = URI.create("http://127.0.0.1:" + port + "/completion");
        }

        static Server start(Path binary, Path gguf, int cells, Options opt, Path log) throws Exception {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            List<String> cmd = List.of(binary.toString(), "-m", gguf.toString(), "-c", String.valueOf(cells), "-np",
                    String.valueOf(opt.slots()), "-t", String.valueOf(opt.threads()), "-tb",
                    String.valueOf(opt.threads()), "--host", "127.0.0.1", "--port", String.valueOf(port));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Server server = new Server(p, cmd, port);
            URI health = URI.create("http://127.0.0.1:" + port + "/health");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("llama-server exited with " + p.exitValue() + ": "
                            + tail(log));
                }
                try {
                    HttpResponse<String> r = server.http.send(HttpRequest.newBuilder(health)
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return server;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    server.close();
                    throw new IllegalStateException("llama-server was not healthy after 120 s: " + tail(log));
                }
                Thread.sleep(200);
            }
        }

        private static String tail(Path log) throws IOException {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        }

        private CompletableFuture<JsonNode> post(String prompt, int newTokens) {
            ObjectNode body = JSON.createObjectNode().put("prompt", prompt).put("n_predict", newTokens)
                    .put("temperature", 0).put("cache_prompt", true).put("stream", false);
            HttpRequest req = HttpRequest.newBuilder(completion).timeout(Duration.ofMinutes(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
            return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("llama-server answered " + r.statusCode() + ": " + r.body());
                }
                try {
                    return JSON.readTree(r.body());
                } catch (IOException e) {
                    throw new IllegalStateException("llama-server answered with invalid JSON: " + r.body(), e);
                }
            });
        }

        JsonNode complete(String prompt, int newTokens) {
            return post(prompt, newTokens).join();
        }

        Answers sequential(List<String> prompts, int newTokens) {
            List<JsonNode> out = new ArrayList<>();
            for (String p : prompts) {
                out.add(complete(p, newTokens));
            }
            return answers(out);
        }

        Answers concurrent(List<String> prompts, int newTokens) {
            List<CompletableFuture<JsonNode>> futures = new ArrayList<>();
            for (String p : prompts) {
                futures.add(post(p, newTokens));
            }
            return answers(futures.stream().map(CompletableFuture::join).toList());
        }

        /** The answers cleaned as dro4j cleans its own, so that the two can be compared. */
        private static Answers answers(List<JsonNode> responses) {
            long tokens = 0, prompt = 0;
            List<String> texts = new ArrayList<>();
            for (JsonNode r : responses) {
                tokens += r.path("tokens_predicted").asLong();
                prompt += r.path("tokens_evaluated").asLong();
                texts.add(PromptAssembler.answer(r.path("content").asText()));
            }
            return new Answers(texts, tokens, prompt);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
