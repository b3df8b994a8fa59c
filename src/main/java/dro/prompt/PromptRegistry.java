package dro.prompt;

import dro.InvalidRequestException;
import dro.gguf.GgufFile;
import dro.hub.CatalogEntry;
import dro.hub.ModelCatalog;
import dro.hub.ResolvedModel;
import dro.internal.ConfigDirs;
import dro.internal.ModelNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Finds a model's DRO-optimised prompt by the model's name, or by what its GGUF file says about itself.
 *
 * <h2>Where prompts come from</h2>
 * In this order, the first one that knows a name winning: the user's store ({@link Builder#userStore}; default
 * {@code <dro4j config>/prompts}, where {@code dro prompts import} writes), further directories
 * ({@link Builder#addDirectory}), and the prompts shipped with dro4j. A user prompt with the id of a shipped one
 * replaces it. Each store has the layout of {@link PromptStore}.
 *
 * <h2>How names match</h2>
 * A name finds a prompt whose id, model names or aliases equal it ignoring case, else ignoring the owner,
 * punctuation and spaces ({@code mistralai/Mistral-7B-v0.1} ~ {@code mistral-7b-v0.1}); a name in the
 * {@link ModelCatalog} also finds prompts filed under the catalogue entry's other names
 * ({@code TheBloke/Llama-2-70B-AWQ} ~ {@code meta-llama/Llama-2-70b-hf}).
 *
 * <h2>GGUF detection</h2>
 * {@link #detect} tries, in order: {@code general.name} (also without an {@code owner_} prefix), {@code
 * general.basename} with {@code size_label}, {@code finetune} and {@code version}, the base models'
 * {@code repo_url} and {@code organization/name}, and last the file name without its quantisation suffix.
 *
 * <p>Immutable and thread-safe; stores are read afresh on each lookup, so imported prompts are seen at once.
 */
public final class PromptRegistry {

    private static final Pattern QUANT_SUFFIX = Pattern.compile(
            "(?i)([.-](i?q\\d[a-z0-9_]*|f16|f32|bf16))?(-\\d{5}-of-\\d{5})?$");

    private final PromptStore userStore;
    private final List<PromptStore> directories;
    private final boolean includeShipped;
    private final ModelCatalog catalog;

    /**
     * A found prompt and why it matched.
     *
     * @param prompt      the prompt
     * @param matchedName the model name that found it
     * @param how         where that name came from, e.g. {@code model name} or {@code GGUF general.name}
     */
    public record Match(OptimizedPrompt prompt, String matchedName, String how) { }

    private PromptRegistry(Builder b) {
        this.userStore = PromptStore.at(b.userStore != null ? b.userStore : defaultUserStore());
        this.directories = List.copyOf(b.directories);
        this.includeShipped = b.includeShipped;
        this.catalog = b.catalog;
    }

    /** The user's default store: {@code <dro4j config dir>/prompts}. */
    public static Path defaultUserStore() {
        return ConfigDirs.root().resolve("prompts");
    }

    /** The user's store, then the shipped prompts. */
    public static PromptRegistry defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The writable store (where imports go). */
    public PromptStore userStore() {
        return userStore;
    }

    /** Every prompt, highest precedence first; a prompt whose id a higher store already has is left out. */
    public List<OptimizedPrompt> all() {
        List<OptimizedPrompt> out = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (List<OptimizedPrompt> source : sources()) {
            for (OptimizedPrompt p : source) {
                if (ids.add(p.id())) {
                    out.add(p);
                }
            }
        }
        return List.copyOf(out);
    }

    /** The prompt with this id. */
    public Optional<OptimizedPrompt> byId(String id) {
        return all().stream().filter(p -> p.id().equals(id)).findFirst();
    }

    /** The prompt for a model name (see the class documentation for how names match). */
    public Optional<Match> find(String name) {
        return find(all(), List.of(name), "model name", false);
    }

    /**
     * The prompt for a resolved model: by its names (its catalogue entry's, or the name given), else by its GGUF
     * metadata, read through {@code gguf} only if the names find nothing.
     */
    public Optional<Match> lookup(ResolvedModel model, Supplier<GgufFile> gguf) {
        Optional<Match> m = find(all(), model.names(), "model name", false);
        return m.isPresent() ? m : detect(gguf.get());
    }

    /**
     * The prompt for the model a GGUF file holds, judged by its metadata and file name: every candidate name is
     * first tried directly, then through the catalogue (without its short names, which leave the version out).
     */
    public Optional<Match> detect(GgufFile gguf) {
        List<OptimizedPrompt> all = all();
        List<String[]> candidates = candidates(gguf);
        for (String[] candidate : candidates) {
            Optional<Match> m = findDirect(all, List.of(candidate[0]), candidate[1]);
            if (m.isPresent()) {
                return m;
            }
        }
        for (String[] candidate : candidates) {
            Optional<Match> m = viaCatalogue(all, List.of(candidate[0]), candidate[1], true);
            if (m.isPresent()) {
                return m;
            }
        }
        return Optional.empty();
    }

    private Optional<Match> find(List<OptimizedPrompt> all, List<String> names, String how, boolean exact) {
        Optional<Match> direct = findDirect(all, names, how);
        return direct.isPresent() ? direct : viaCatalogue(all, names, how, exact);
    }

    /** Prompts filed under another name of the catalogue entry a name means. */
    private Optional<Match> viaCatalogue(List<OptimizedPrompt> all, List<String> names, String how, boolean exact) {
        for (String name : names) {
            Optional<CatalogEntry> entry = exact ? catalog.findExact(name) : catalog.find(name);
            if (entry.isEmpty()) {
                continue;
            }
            List<String> others = entry.get().names().stream().filter(n -> !names.contains(n)).toList();
            Optional<Match> m = findDirect(all, others, how);
            if (m.isPresent()) {
                return Optional.of(new Match(m.get().prompt(), name,
                        how + " via catalogue entry " + entry.get().id()));
            }
        }
        return Optional.empty();
    }

    /** Exact names first (ignoring case), then loose keys. */
    private static Optional<Match> findDirect(List<OptimizedPrompt> all, List<String> names, String how) {
        for (String name : names) {
            for (OptimizedPrompt p : all) {
                for (String n : p.names()) {
                    if (ModelNames.sameName(n, name)) {
                        return Optional.of(new Match(p, name, how));
                    }
                }
            }
        }
        for (String name : names) {
            String key = ModelNames.key(name);
            if (key.isEmpty()) {
                continue;
            }
            for (OptimizedPrompt p : all) {
                for (String n : p.names()) {
                    if (ModelNames.key(n).equals(key)) {
                        return Optional.of(new Match(p, name, how));
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static List<String[]> candidates(GgufFile g) {
        List<String[]> out = new ArrayList<>();
        g.name().ifPresent(n -> {
            out.add(new String[] {n, "GGUF general.name"});
            int underscore = n.indexOf('_');
            if (underscore > 0 && underscore < n.length() - 1) {
                out.add(new String[] {n.substring(underscore + 1), "GGUF general.name"}); // owner_name
            }
        });
        g.basename().ifPresent(b -> {
            StringBuilder sb = new StringBuilder(b);
            g.sizeLabel().ifPresent(s -> sb.append('-').append(s));
            g.finetune().ifPresent(f -> sb.append('-').append(f));
            g.modelVersion().ifPresent(v -> sb.append('-').append(v));
            out.add(new String[] {sb.toString(), "GGUF general.basename"});
        });
        for (GgufFile.BaseModel bm : g.baseModels()) {
            bm.repoUrl().ifPresent(u -> {
                String s = u.replaceAll("/+$", "");
                String[] parts = s.split("/");
                if (parts.length >= 2) {
                    out.add(new String[] {parts[parts.length - 2] + "/" + parts[parts.length - 1],
                            "GGUF general.base_model repo_url"});
                }
            });
            bm.name().ifPresent(n -> out.add(new String[] {
                    bm.organization().map(o -> o + "/").orElse("") + n, "GGUF general.base_model name"}));
        }
        Path file = g.path().getFileName();
        if (file != null) {
            String f = file.toString().replaceAll("(?i)\\.gguf$", "");
            f = QUANT_SUFFIX.matcher(f).replaceFirst("");
            if (!f.isEmpty()) {
                out.add(new String[] {f, "GGUF file name"});
            }
        }
        return out;
    }

    private List<List<OptimizedPrompt>> sources() {
        List<List<OptimizedPrompt>> sources = new ArrayList<>();
        sources.add(userStore.list());
        for (PromptStore d : directories) {
            sources.add(d.list());
        }
        if (includeShipped) {
            sources.add(PromptStore.shipped());
        }
        return sources;
    }

    @Override
    public String toString() {
        return "PromptRegistry[user=" + userStore.root() + ", directories=" + directories.stream()
                .map(PromptStore::root).toList() + ", shipped=" + includeShipped + "]";
    }

    /** Where a registry looks. */
    public static final class Builder {
        private Path userStore;
        private final List<PromptStore> directories = new ArrayList<>();
        private boolean includeShipped = true;
        private ModelCatalog catalog = ModelCatalog.DEFAULT;

        private Builder() { }

        /** The user's writable store, searched first (default {@code <dro4j config dir>/prompts}). */
        public Builder userStore(Path root) {
            this.userStore = root;
            return this;
        }

        /** A further store, searched after the user's store and earlier directories, before the shipped prompts. */
        public Builder addDirectory(Path root) {
            this.directories.add(PromptStore.at(root));
            return this;
        }

        /** Whether the prompts shipped with dro4j are searched (default true). */
        public Builder includeShipped(boolean include) {
            this.includeShipped = include;
            return this;
        }

        /** Catalogue used to treat a model's other names as the same model (default {@link ModelCatalog#DEFAULT}). */
        public Builder catalog(ModelCatalog catalog) {
            this.catalog = catalog;
            return this;
        }

        public PromptRegistry build() {
            if (catalog == null) {
                throw new InvalidRequestException("catalog must not be null");
            }
            return new PromptRegistry(this);
        }
    }
}
