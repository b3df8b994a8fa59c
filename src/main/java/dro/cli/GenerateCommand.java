package dro.cli;

import dro.AssembledPrompt;
import dro.AutoModel;
import dro.GenerateOptions;
import dro.InvalidRequestException;
import dro.TokenStream;
import dro.compat.OriginalPrompts;
import dro.hub.HubClient;
import dro.icl.IclOrder;
import dro.prompt.PromptRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dro generate}: one DRO-aligned answer. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Answers QUERY behind the model's optimised system prompt (or the base alignment prompt)"
                + " and the most similar in-context examples. Prints only the answer on standard output."},
        footer = {"", "Examples:", "  bin/dro generate --model mistral-7b-instruct \"How do I make a cake?\"",
                "  bin/dro generate --model mistral-7b-v0.1.Q4_K_M.gguf \"How do I make a cake?\"",
                "  OPENAI_API_KEY=... bin/dro generate --openai --model gpt-4o-mini \"How do I make a cake?\""})
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    LocalModelOptions local = new LocalModelOptions();

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "QUERY", description = "The user's query; '-' reads it from standard input.")
    String query;

    @Option(names = "--model", required = true, paramLabel = "MODEL", description = {"A GGUF file, a model name"
            + " (mistral-7b-instruct, meta-llama/Meta-Llama-3-8B-Instruct, ...) or hf://owner/repo/file.gguf. Names"
            + " are downloaded once into the model cache, with a progress bar on standard error. With --openai: the"
            + " model's name on the endpoint."})
    String model;

    @Option(names = "--quantization", paramLabel = "QUANT",
            description = "Quantisation a model name downloads (default: Q4_K_M).")
    String quantization;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Where downloaded models are kept"
            + " (default: <dro4j cache>/models).")
    Path cacheDir;

    @Option(names = "--offline", description = "Never use the network; a model name must be cached already"
            + " (also DRO4J_OFFLINE=1 or HF_HUB_OFFLINE=1).")
    boolean offline;

    @Option(names = "--prompts-dir", paramLabel = "DIR", description = {"The user's optimised-prompt store, where"
            + " the model's prompt is looked up (default: <config>/prompts). A model the original DRO released a prompt"
            + " for (mistral-7b, gpt-3.5-turbo, ...) whose prompt is not there gets it pulled there once, as by"
            + " 'dro prompts pull MODEL' (from $DRO4J_PROMPTS_URL if set), unless offline."})
    Path promptsDir;

    @Option(names = "--openai", description = "Use a model on an OpenAI-compatible endpoint: the key comes from"
            + " OPENAI_API_KEY, the endpoint from OPENAI_BASE_URL or --base-url (default OpenAI's).")
    boolean openAi;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "With --openai: the endpoint, e.g. http://localhost:8000/v1 (default: $OPENAI_BASE_URL).")
    String baseUrl;

    @Option(names = "--reasoning-model", description = "With --openai: the model is a reasoning model (OpenAI's"
            + " o-series, GPT-5): the token limit is sent as max_completion_tokens, and no temperature or top_p."
            + " Its limit counts hidden reasoning tokens too, so raise --max-new-tokens.")
    boolean reasoningModel;

    @Option(names = "--system-prompt", paramLabel = "TEXT",
            description = "Your own system prompt (replaces the optimised one).")
    String systemPrompt;

    @Option(names = "--system-prompt-file", paramLabel = "FILE", description = "Your own system prompt, from a file.")
    Path systemPromptFile;

    @Option(names = "--optimized-prompt-file", paramLabel = "FILE",
            description = "The model's DRO-optimised prompt (plain text).")
    Path optimizedPromptFile;

    @Option(names = "--no-optimized-prompt", description = "Use the base alignment prompt instead of the optimised one.")
    boolean noOptimizedPrompt;

    @Option(names = "--no-icl", description = "Do not add in-context examples.")
    boolean noIcl;

    @Option(names = "--num-icl", paramLabel = "K", defaultValue = "" + GenerateOptions.DEFAULT_NUM_OPTIMIZED_ICL,
            description = "In-context examples to add, 1 to 5 (default: ${DEFAULT-VALUE}).")
    int numIcl;

    @Option(names = "--icl-order", paramLabel = "ORDER", defaultValue = "similarity",
            converter = IclOrderConverter.class,
            description = {"The order of the retrieved examples: similarity (most similar first, the original's) or"
                    + " file (the ICL file's order, so that queries retrieving the same examples share their prompt"
                    + " prefix; this changes the prompt). Default: ${DEFAULT-VALUE}."})
    IclOrder iclOrder;

    @Option(names = "--icl-file", paramLabel = "FILE",
            description = "ICL examples in the original's JSON shape (default: dro4j's own).")
    Path iclFile;

    @Option(names = "--temperature", defaultValue = "" + GenerateOptions.DEFAULT_TEMPERATURE, description = "0 to 2 (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "" + GenerateOptions.DEFAULT_TOP_P, description = "In (0, 1] (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--max-new-tokens", defaultValue = "" + GenerateOptions.DEFAULT_MAX_NEW_TOKENS, description = "(default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--stop", paramLabel = "TEXT",
            description = "A stop string; repeat for several (default: <END>, <END, <|eot_id|>).")
    List<String> stop;

    @Option(names = "--no-stop", description = "No stop strings at all.")
    boolean noStop;

    @Option(names = "--seed", description = "Sampling seed.")
    Long seed;

    @Option(names = "--stream", description = "Print the answer as it is generated.")
    boolean stream;

    @Option(names = "--dry-run", description = {"Print the assembled prompt as JSON {system, user, prompt,"
            + " systemPromptSource} and exit without generating. systemPromptSource says which system prompt was used:"
            + " {kind: registry, detail: <prompt id>}, builder (--optimized-prompt-file), user (--system-prompt) or"
            + " base (the base alignment prompt)."})
    boolean dryRun;








    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Time limit for the generation.")
    Double timeoutSeconds;


    @Option(names = {"-v", "--verbose"}, description = "Log progress to standard error (-vv for debug).")
    boolean verbose;

    @Option(names = "-vv", hidden = true)
    boolean veryVerbose;


    @Override
    public Integer call() throws IOException {
        String q = query.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip() : query;
        GenerateOptions options = options();
        AutoModel.Builder b = AutoModel.builder()
                .model(model)
                .openAiModel(openAi)
                .optimizedPromptFile(optimizedPromptFile)
                .iclFile(iclFile);
        HubClient.Builder hub = HubClient.builder().environment(main.environment);
        if (cacheDir != null) {
            hub.cacheDir(cacheDir);
        }
        if (offline && !openAi) {
            hub.offline(true);
        }
        boolean file = !openAi && isFile(model); // a file is neither downloaded nor given a pulled prompt
        if (!file && optimizedPromptFile == null) {
            // the original's released prompt, pulled once if the registry has none for a model the original released
            b.originalPrompts(OriginalPrompts.builder().hubClient(hub.build())
                    .listener(PromptsCommand.Pull.progress(spec.commandLine().getErr())).build());
        }
        if (!openAi && !file) {
            b.hubClient(hub.listener(new ConsoleProgressBar(spec.commandLine().getErr())).build());
        }
        if (quantization != null) {
            b.quantization(quantization);
        }
        if (cacheDir != null) {
            b.modelCacheDir(cacheDir);
        }
        if (offline) {
            b.offline(true);
        }
        if (promptsDir != null) {
            b.promptRegistry(PromptRegistry.builder().userStore(promptsDir).build());
        }
        if (baseUrl != null) {
            b.baseUrl(baseUrl);
        }
        if (reasoningModel) {
            b.reasoningModel(true);
        }
        local.apply(b);
        if (timeoutSeconds != null) {
            if (!(timeoutSeconds > 0)) {
                throw new InvalidRequestException("--timeout must be positive, but was " + timeoutSeconds);
            }
            b.timeout(Duration.ofMillis(Math.round(timeoutSeconds * 1000)));
        }
        PrintWriter out = spec.commandLine().getOut();
        try (AutoModel m = b.build()) {
            if (dryRun) {
                AssembledPrompt a = m.assemble(q, options);
                out.println(a.toJson());
            } else if (stream) {
                try (TokenStream s = m.stream(q, options)) {
                    while (s.hasNext()) {
                        out.print(s.next());
                        out.flush();
                    }
                    out.println();
                }
            } else {
                out.println(m.generate(q, options));
            }
            out.flush();
        }
        return 0;
    }

    /** Whether {@code model} names an existing file, which wins over a model name. */
    static boolean isFile(String model) {
        try {
            return Files.isRegularFile(Path.of(model.strip()));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    private GenerateOptions options() throws IOException {
        if (systemPrompt != null && systemPromptFile != null) {
            throw new InvalidRequestException("Give --system-prompt or --system-prompt-file, not both");
        }
        String sys = systemPrompt;
        if (systemPromptFile != null) {
            sys = Files.readString(systemPromptFile, StandardCharsets.UTF_8).stripTrailing();
        }
        if (noStop && stop != null) {
            throw new InvalidRequestException("Give --stop or --no-stop, not both");
        }
        GenerateOptions.Builder o = GenerateOptions.builder()
                .userSpecifiedSystemPrompt(sys)
                .optimizedPrompt(!noOptimizedPrompt)
                .optimizedIcl(!noIcl)
                .numOptimizedIcl(numIcl)
                .iclOrder(iclOrder)
                .temperature(temperature)
                .topP(topP)
                .maxNewTokens(maxNewTokens)
                .seed(seed);
        if (noStop) {
            o.stop(List.of());
        } else if (stop != null) {
            o.stop(stop);
        }
        return o.build();
    }

    /** {@code similarity} or {@code file}, in any case; anything else is an error that lists both. */
    static final class IclOrderConverter implements ITypeConverter<IclOrder> {
        @Override
        public IclOrder convert(String value) {
            for (IclOrder o : IclOrder.values()) {
                if (o.name().equalsIgnoreCase(value)) {
                    return o;
                }
            }
            throw new TypeConversionException(
                    "--icl-order must be similarity or file, but was \"" + value + "\"");
        }
    }
}
