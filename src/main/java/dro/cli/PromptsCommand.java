package dro.cli;

import dro.InvalidRequestException;
import dro.compat.OriginalDataImporter;
import dro.gguf.GgufFile;
import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptRegistry;
import java.io.PrintWriter;
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
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code dro prompts}: the optimised prompts dro4j knows, and importing the original's. */
@Command(name = "prompts", mixinStandardHelpOptions = true,
        description = "Lists, shows and imports DRO-optimised system prompts.",
        subcommands = {PromptsCommand.Import.class, PromptsCommand.ListPrompts.class, PromptsCommand.Show.class})
final class PromptsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "Missing subcommand: import DIR, list or show MODEL");
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
                        + ". Import the original's with: dro prompts import DIR");
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
                throw new InvalidRequestException("No optimised prompt is known for \"" + model + "\" ("
                        + (ids.isEmpty() ? "the store " + registry.userStore().root() + " is empty"
                        : "known: " + String.join(", ", ids)) + ")");
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(m.get().prompt().text());
            out.flush();
            return 0;
        }
    }
}
