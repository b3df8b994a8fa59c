package dro.cli;

import dro.InvalidRequestException;
import dro.compat.internal.OriginalDataImporter;
import dro.compat.OriginalPrompts;
import dro.compat.OriginalRelease;
import dro.hub.HubClient;
import dro.hub.PinnedFile;
import dro.gguf.GgufFile;
import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptRegistry;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dro prompts}: the optimised prompts dro4j knows, and pulling or importing the original's. */
@Command(name = "prompts", mixinStandardHelpOptions = true,
        description = "Pulls, imports, lists and shows DRO-optimised system prompts.",
        subcommands = {PromptsCommand.Pull.class, PromptsCommand.Import.class, PromptsCommand.ListPrompts.class,
                PromptsCommand.Show.class})
final class PromptsCommand implements Runnable {

    @Spec
    CommandSpec spec;
    @ParentCommand
    Main main;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing subcommand: pull [MODEL...], import DIR, list or show MODEL");
    }

    /** The {@code --prompts-dir} option every subcommand has. */
    static final class Store {
        @Option(names = "--prompts-dir", paramLabel = "DIR",
                description = "The user's prompt store (default: <config>/prompts, e.g. ~/.config/dro4j/prompts).")
        Path promptsDir;

        PromptRegistry registry() {
            return promptsDir == null ? PromptRegistry.defaults()
                    : PromptRegistry.builder().userStore(promptsDir).build();
        }
    }

    @Command(name = "pull", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Downloads the optimised prompts the original DRO released (github.com/Singla17/DRPO at"
                    + " commit c47e29077f2f7ec06fb2743ed7d8446dfec27bcd, Apache-2.0), checks every file against the"
                    + " SHA-256 pinned in dro4j, and imports them into the user's prompt store (pickles are read as"
                    + " plain data; no code runs). Files are cached: a second pull asks nothing of the network. A file"
                    + " that fails its check is reported and nothing from it is stored; the exit code is then 1."},
            footer = {"", "Examples:", "  bin/dro prompts pull", "  bin/dro prompts pull mistral-7b gpt-3.5-turbo",
                    "  bin/dro prompts pull --from https://mirror.example.org/DRPO mistralai/Mistral-7B-v0.1"})
    static final class Pull implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @ParentCommand
        PromptsCommand parent;
        @Mixin
        Store store;
        @Parameters(arity = "0..*", paramLabel = "MODEL", description = {"A run of the original (mistral-7b-v0.1,"
                + " gpt-3.5-turbo, ...) or a model it serves (mistralai/Mistral-7B-v0.1, mistral-7b, ...). None: every"
                + " run."})
        List<String> models = new ArrayList<>();
        @Option(names = "--from", paramLabel = "URL", description = {"A mirror laid out like the original repository"
                + " (URL/data/<run>/output.pkl, ...). Default: $DRO4J_PROMPTS_URL, else"
                + " https://raw.githubusercontent.com/Singla17/DRPO/<commit>."})
        URI from;
        @Option(names = "--cache-dir", paramLabel = "DIR", description = "Where downloads are cached"
                + " (default: <dro4j cache>/models; the files go to its pinned/ directory).")
        Path cacheDir;
        @Option(names = "--offline", description = "Never use the network: import what is cached (also"
                + " DRO4J_OFFLINE=1 or HF_HUB_OFFLINE=1).")
        boolean offline;

        @Override
        public Integer call() {
            PromptRegistry registry = store.registry();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            HubClient.Builder hb = HubClient.builder().environment(parent.main.environment);
            if (cacheDir != null) {
                hb.cacheDir(cacheDir);
            }
            if (offline) {
                hb.offline(true);
            }
            OriginalPrompts.Builder pb = OriginalPrompts.builder().hubClient(hb.build()).store(registry.userStore())
                    .listener(progress(err));
            if (from != null) {
                pb.baseUrl(from);
            }
            OriginalPrompts puller = pb.build();
            OriginalPrompts.Result r = puller.pull(models);
            for (OriginalPrompts.Failure f : r.failures()) {
                err.println("dro: error: " + f.file() + ": " + f.reason());
            }
            for (OptimizedPrompt p : r.imported()) {
                out.println("Pulled " + p.id() + (p.models().isEmpty() ? "" : " (" + String.join(", ", p.models())
                        + ")"));
            }
            out.println(r.imported().size() + " of " + r.runs().size() + (r.runs().size() == 1 ? " run" : " runs")
                    + " imported into " + registry.userStore().root() + " from " + puller.release().repository()
                    + " at " + puller.release().commit() + " (" + puller.release().license() + ")");
            out.flush();
            err.flush();
            return r.ok() ? 0 : 1;
        }

        static OriginalPrompts.Listener progress(PrintWriter err) {
            return new OriginalPrompts.Listener() {
                @Override
                public void downloading(PinnedFile file) {
                    err.println("Downloading " + file.name() + " (" + ConsoleProgressBar.bytes(file.size()) + ") from "
                            + file.url().getHost() + (file.url().getPort() >= 0 ? ":" + file.url().getPort() : ""));
                    err.flush();
                }
            };
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Imports the optimised prompts of a directory laid out like the original DRO's data/ (each"
                    + " subdirectory with output.pkl, output.txt or output.json; model_mapping.json gives their"
                    + " models) into the user's prompt store. Pickles are read as plain data; no code runs."})
    static final class Import implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        Store store;
        @Parameters(index = "0", paramLabel = "DIR", description = "The original's data/ directory (or its repository).")
        Path dir;

        @Override
        public Integer call() {
            PromptRegistry registry = store.registry();
            OriginalDataImporter.Report r = OriginalDataImporter.importInto(registry.userStore(), dir);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            for (OriginalDataImporter.Imported i : r.imported()) {
                OptimizedPrompt p = i.prompt();
                out.println("Imported " + p.id() + (p.models().isEmpty() ? "" : " (" + String.join(", ", p.models())
                        + ")") + " from " + r.directory().relativize(i.from()));
            }
            for (OriginalDataImporter.Skipped s : r.skipped()) {
                if (s.error()) {
                    err.println("dro: error: not imported: " + s.what() + ": " + s.reason());
                } else {
                    out.println("Skipped " + s.what() + ": " + s.reason());
                }
            }
            out.println(r.imported().size() + (r.imported().size() == 1 ? " prompt" : " prompts") + " imported into "
                    + registry.userStore().root());
            out.flush();
            err.flush();
            return r.hasErrors() ? 1 : 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the optimised prompts: id, models, aliases and where each is stored.")
    static final class ListPrompts implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        Store store;

        @Override
        public Integer call() {
            PromptRegistry registry = store.registry();
            List<OptimizedPrompt> all = registry.all();
            PrintWriter out = spec.commandLine().getOut();
            if (all.isEmpty()) {
                out.println("No optimised prompts in " + registry.userStore().root()
                        + ". Pull the original's with: dro prompts pull");
                out.flush();
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "MODELS", "ALIASES", "LOCATION"});
            for (OptimizedPrompt p : all) {
                rows.add(new String[] {p.id(), p.models().isEmpty() ? "-" : String.join(", ", p.models()),
                        p.aliases().isEmpty() ? "-" : String.join(", ", p.aliases()), p.location()});
            }
            int[] width = new int[3];
            for (String[] row : rows) {
                for (int c = 0; c < 3; c++) {
                    width[c] = Math.max(width[c], row[c].length());
                }
            }
            for (String[] row : rows) {
                StringBuilder sb = new StringBuilder();
                for (int c = 0; c < 3; c++) {
                    sb.append(row[c]).append(" ".repeat(width[c] - row[c].length() + 2));
                }
                out.println(sb.append(row[3]));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Prints the optimised prompt of MODEL exactly as stored (nothing else, and no line break"
                    + " the prompt does not have). MODEL is a model name or alias, or a GGUF file, which is"
                    + " recognised by its metadata."})
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        Store store;
        @Parameters(index = "0", paramLabel = "MODEL", description = "A model name, an alias or a GGUF file.")
        String model;

        @Override
        public Integer call() {
            PromptRegistry registry = store.registry();
            Optional<PromptRegistry.Match> m = registry.find(model);
            if (m.isEmpty() && model.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")
                    && Files.isRegularFile(Path.of(model))) {
                m = registry.detect(GgufFile.readMetadata(Path.of(model)));
            }
            if (m.isEmpty()) {
                List<String> ids = registry.all().stream().map(OptimizedPrompt::id).toList();
                String pull = OriginalRelease.shipped().runFor(model, dro.hub.ModelCatalog.DEFAULT)
                        .map(r -> ". The original DRO released one: dro prompts pull " + r.name()).orElse("");
                throw new InvalidRequestException("No optimised prompt is known for \"" + model + "\" ("
                        + (ids.isEmpty() ? "the store " + registry.userStore().root() + " is empty"
                        : "known: " + String.join(", ", ids)) + ")" + pull);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(m.get().prompt().text());
            out.flush();
            return 0;
        }
    }
}
