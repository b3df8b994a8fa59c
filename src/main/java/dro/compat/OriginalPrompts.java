package dro.compat;

import dro.compat.internal.OriginalDataImporter;
import dro.DroException;
import dro.FileAccessException;
import dro.InvalidRequestException;
import dro.Environment;
import dro.hub.HubClient;
import dro.hub.HubException;
import dro.hub.ModelCatalog;
import dro.hub.PinnedFile;
import dro.internal.AtomicFiles;
import dro.internal.Json;
import dro.prompt.OptimizedPrompt;
import dro.prompt.PromptRegistry;
import dro.prompt.PromptStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls the optimised prompts the original DRO released (see {@link OriginalRelease}) into a {@link PromptStore}:
 * downloads a run's files, checks each against its pinned SHA-256, and imports them with
 * {@link OriginalDataImporter} (plain data; no code runs). What {@code dro prompts pull} does, and what
 * {@code AutoModel} does once when it meets a model the original released and no prompt is known for it.
 *
 * <h2>Where from</h2>
 * Files lie under the base URL as in the repository ({@code <base>/data/<run>/output.pkl}, {@code output.txt},
 * {@code output.json}). The base URL is {@link Builder#baseUrl}, else {@code DRO4J_PROMPTS_URL}, else the release's
 * own (GitHub's raw-file address of the original repository at the pinned commit).
 *
 * <h2>Integrity</h2>
 * Each file is downloaded through {@link HubClient#fetch(PinnedFile)} (retries, resumption, offline mode, a cache
 * keyed by SHA-256, so a second pull asks nothing of the network) and accepted only with its pinned size and SHA-256.
 * A file that fails is reported and nothing from it is stored; the run is imported from its other files if any
 * passed, and the other runs are imported as usual. Failures are returned in the {@link Result} (and logged at INFO):
 * reporting them is the caller's. Each imported prompt's {@code source} names the repository, the
 * commit, the license and the file.
 *
 * <p>Immutable and thread-safe (pulls into one store may run at once; each prompt is written atomically).
 */
public final class OriginalPrompts {

    private static final Logger log = LoggerFactory.getLogger(OriginalPrompts.class);
    /** The environment variable naming a mirror laid out like the original repository. */
    public static final String URL_VARIABLE = "DRO4J_PROMPTS_URL";

    private final OriginalRelease release;
    private final URI baseUrl;
    private final HubClient hub;
    private final PromptStore store;
    private final ModelCatalog catalog;
    private final Listener listener;

    /** Hears a pull's downloads; every method has an empty default. Called on the pulling thread. */
    public interface Listener {
        /** Ignores everything. */
        Listener NONE = new Listener() { };

        /** A file is about to be downloaded (it is not cached). */
        default void downloading(PinnedFile file) { }

        /** A file is in the cache, checked. */
        default void fetched(PinnedFile file, Path cached) { }

        /** A file could not be had, or failed its check; nothing from it is stored. */
        default void failed(PinnedFile file, HubException cause) { }
    }

    /**
     * A file of a run that was not used.
     *
     * @param file   its path in the repository, e.g. {@code data/mistral-7b-v0.1/output.pkl}
     * @param reason why, e.g. that it failed its SHA-256 check
     */
    public record Failure(String file, String reason) { }

    /**
     * What a pull did.
     *
     * @param runs     the runs asked for
     * @param imported the prompts stored
     * @param failures the files (or runs) that failed
     */
    public record Result(List<OriginalRelease.Run> runs, List<OptimizedPrompt> imported, List<Failure> failures) {
        public Result {
            runs = List.copyOf(runs);
            imported = List.copyOf(imported);
            failures = List.copyOf(failures);
        }

        /** Whether every file was had and checked and every run imported. */
        public boolean ok() {
            return failures.isEmpty() && imported.size() == runs.size();
        }
    }

    private OriginalPrompts(Builder b) {
        this.release = b.release != null ? b.release : OriginalRelease.shipped();
        this.hub = b.hub != null ? b.hub : HubClient.defaults();
        Environment env = b.environment != null ? b.environment : hub.environment();
        URI base = b.baseUrl;
        String where = "baseUrl";
        if (base == null && env.get(URL_VARIABLE) != null && !env.get(URL_VARIABLE).isBlank()) {
            base = parseUrl(env.get(URL_VARIABLE).strip(), URL_VARIABLE);
            where = URL_VARIABLE;
        }
        this.baseUrl = checkUrl(base != null ? base : release.baseUrl(), where);
        this.store = b.store != null ? b.store : PromptStore.at(PromptRegistry.defaultUserStore());
        this.catalog = b.catalog;
        this.listener = b.listener;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this puller's settings (the base URL as resolved). */
    public Builder toBuilder() {
        return new Builder().release(release).baseUrl(baseUrl).hubClient(hub).store(store).catalog(catalog)
                .listener(listener);
    }

    /** The same puller, storing into {@code other}. */
    public OriginalPrompts withStore(PromptStore other) {
        return toBuilder().store(other).build();
    }

    public OriginalRelease release() {
        return release;
    }

    /** Where the files are downloaded from. */
    public URI baseUrl() {
        return baseUrl;
    }

    public PromptStore store() {
        return store;
    }

    public HubClient hubClient() {
        return hub;
    }

    /** Whether the hub client forbids the network (then only cached files can be imported). */
    public boolean isOffline() {
        return hub.isOffline();
    }

    /** The run that serves a model (see {@link OriginalRelease#runFor}). */
    public Optional<OriginalRelease.Run> runFor(String model) {
        return release.runFor(model, catalog);
    }

    /** Where a file of the release is downloaded from. */
    public PinnedFile file(OriginalRelease.PinnedPath path) {
        String base = baseUrl.toString().replaceAll("/+$", "");
        return new PinnedFile(path.path(), URI.create(base + "/" + path.path()), path.sha256(), path.size());
    }

    /**
     * Pulls the runs serving these models; every run when {@code models} is empty.
     *
     * @throws InvalidRequestException naming a model no run serves (before anything is downloaded)
     */
    public Result pull(List<String> models) {
        return pullRuns(models.isEmpty() ? release.runs() : release.runsFor(models, catalog));
    }

    /** Pulls these runs (see the class documentation); failures are in the result, not thrown. */
    public Result pullRuns(List<OriginalRelease.Run> runs) {
        List<Failure> failures = new ArrayList<>();
        Path staging = hub.cacheDir().resolve("pinned").resolve(".staging-" + UUID.randomUUID());
        try {
            Path data = staging.resolve("data");
            Map<String, String> mapping = new LinkedHashMap<>();
            for (OriginalRelease.Run run : runs) {
                String first = null;
                for (OriginalRelease.PinnedPath path : run.files()) {
                    PinnedFile f = file(path);
                    try {
                        if (!hub.isCached(f) && !hub.isOffline()) {
                            listener.downloading(f);
                        }
                        Path cached = hub.fetch(f);
                        listener.fetched(f, cached);
                        Path to = data.resolve(run.name()).resolve(path.fileName());
                        Files.createDirectories(to.getParent());
                        Files.copy(cached, to, StandardCopyOption.REPLACE_EXISTING);
                        if (first == null) {
                            first = path.fileName();
                        }
                    } catch (HubException e) {
                        listener.failed(f, e);
                        log.info("Not imported: {}: {}", path.path(), e.getMessage()); // the caller reports it
                        failures.add(new Failure(path.path(), e.getMessage()));
                    }
                }
                if (first != null) {
                    for (String model : run.models()) {
                        mapping.put(model, "./data/" + run.name() + "/" + first);
                    }
                }
            }
            if (!Files.isDirectory(data)) {
                return new Result(runs, List.of(), failures);
            }
            AtomicFiles.write(data.resolve("model_mapping.json"), Json.MAPPER.writeValueAsString(mapping));
            OriginalDataImporter.Report report = OriginalDataImporter.importInto(store, data,
                    from -> release.attribution() + ": " + "data/" + data.relativize(from).toString().replace('\\', '/')
                            + " (SHA-256 checked)");
            for (OriginalDataImporter.Skipped s : report.skipped()) {
                failures.add(new Failure("data/" + s.what(), s.reason()));
            }
            List<OptimizedPrompt> imported = report.imported().stream().map(OriginalDataImporter.Imported::prompt)
                    .toList();
            for (OptimizedPrompt p : imported) {
                log.info("Pulled the original's optimised prompt {} for {} into {}", p.id(), p.models(), store.root());
            }
            return new Result(runs, imported, failures);
        } catch (IOException | UncheckedIOException e) {
            throw new FileAccessException("Cannot stage the original's files under " + staging + ": " + e, staging, e);
        } catch (FileAccessException e) {
            throw e;
        } catch (DroException e) {
            failures.add(new Failure(staging.toString(), e.getMessage()));
            return new Result(runs, List.of(), failures);
        } finally {
            deleteTree(staging);
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (IOException e) {
            log.warn("Cannot delete the staging directory {}: {}", p, e.toString());
        }
    }

    private static URI parseUrl(String s, String what) {
        try {
            return URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(what + " must be an http(s) URL, but was \"" + s + "\"");
        }
    }

    private static URI checkUrl(URI u, String what) {
        if (u.getScheme() == null || u.getHost() == null
                || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))) {
            throw new InvalidRequestException(what + " must be an http(s) URL, but was \"" + u + "\"");
        }
        return u;
    }

    @Override
    public String toString() {
        return "OriginalPrompts[" + release.repository() + "@" + release.commit() + ", from " + baseUrl + ", into "
                + store.root() + "]";
    }

    /** Settings of an {@link OriginalPrompts}; each has a default. */
    public static final class Builder {
        private OriginalRelease release;
        private URI baseUrl;
        private HubClient hub;
        private PromptStore store;
        private Environment environment;
        private ModelCatalog catalog = ModelCatalog.DEFAULT;
        private Listener listener = Listener.NONE;

        private Builder() { }

        /** The manifest of pinned files (default {@link OriginalRelease#shipped()}). */
        public Builder release(OriginalRelease release) {
            this.release = release;
            return this;
        }

        /** Where the files are downloaded from (default {@code DRO4J_PROMPTS_URL}, else the release's own). */
        public Builder baseUrl(URI baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        /** Downloads, cache and offline mode (default {@link HubClient#defaults()}). */
        public Builder hubClient(HubClient hub) {
            this.hub = hub;
            return this;
        }

        /** Where the prompts are imported (default the user's store, {@link PromptRegistry#defaultUserStore()}). */
        public Builder store(PromptStore store) {
            this.store = store;
            return this;
        }

        /** Where {@code DRO4J_PROMPTS_URL} is read (default the hub client's environment). */
        public Builder environment(Environment environment) {
            this.environment = environment;
            return this;
        }

        /** Catalogue for matching model names to runs (default {@link ModelCatalog#DEFAULT}). */
        public Builder catalog(ModelCatalog catalog) {
            this.catalog = catalog;
            return this;
        }

        /** Hears the downloads (default: nothing). */
        public Builder listener(Listener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Checks the settings.
         *
         * @throws InvalidRequestException naming a setting that cannot work (a base URL that is not http(s))
         */
        public OriginalPrompts build() {
            if (catalog == null) {
                throw new InvalidRequestException("catalog must not be null");
            }
            if (listener == null) {
                throw new InvalidRequestException("listener must not be null");
            }
            return new OriginalPrompts(this);
        }
    }
}
