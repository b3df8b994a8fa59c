package dro.hub;

import dro.Environment;
import dro.InvalidRequestException;
import dro.internal.CacheDirs;
import dro.backend.RetryPolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Model names to GGUF files: local paths, catalogue names ({@code mistralai/Mistral-7B-v0.1}, {@code mistral-7b})
 * and {@code hf://owner/repo/file.gguf} names, downloaded from the Hugging Face hub once and cached.
 *
 * <h2>Downloads</h2>
 * A file goes to {@code <cacheDir>/<owner>/<repo>/<revision>/<path>}. It is written to {@code <file>.part} first;
 * an interrupted transfer is resumed with an HTTP Range request (within one call, up to {@code maxAttempts}
 * attempts, and by the next call); between attempts the client waits as the {@link RetryPolicy} says (exponential
 * backoff with jitter, or exactly the {@code Retry-After} of a 429 or 503 answer); the result is checked against the size and SHA-256 the hub reports
 * ({@code X-Linked-Size}, {@code X-Linked-Etag}) and only then moved into place atomically, so a half or corrupt
 * file is never used. A cached file is used without asking the network.
 *
 * <p>This loop is the downloads' one retry layer. A download is no model call, so no retry decorator wraps it; and
 * each attempt resumes from what the previous one wrote, which only the downloader knows, so the retries stay here,
 * under the same {@link RetryPolicy} type as model calls.
 *
 * <h2>Settings</h2>
 * <ul>
 *   <li>{@code HF_TOKEN} (or {@code HUGGING_FACE_HUB_TOKEN}): sent to the hub for gated or private repositories,
 *   never to other hosts a download is redirected to, and never logged.</li>
 *   <li>{@code HF_ENDPOINT}: a mirror of the hub (default {@code https://huggingface.co}).</li>
 *   <li>{@code DRO4J_OFFLINE=1} or {@code HF_HUB_OFFLINE=1}, or {@link Builder#offline}: no network at all; a file
 *   that is not cached is an error that says so.</li>
 * </ul>
 * The variables are read through an {@link Environment}, the process environment by default.
 *
 * <p>Instances are immutable and thread-safe; concurrent downloads of one file (also from other processes sharing
 * the cache) wait for each other.
 */
public final class HubClient {

    /** The public hub. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    final Path cacheDir;
    final URI endpoint;
    final String token;
    final String offlineReason;
    final DownloadListener listener;
    private final HttpClient givenHttp;
    private volatile HttpClient http;
    final RetryPolicy retryPolicy;
    final ModelCatalog catalog;
    final String quantization;
    private final Builder settings;

    private HubClient(Builder b) {
        this.settings = b.copy();
        Environment env = b.environment;
        this.cacheDir = (b.cacheDir != null ? b.cacheDir : CacheDirs.root(env).resolve("models")).toAbsolutePath();
        String ep = b.endpoint != null ? b.endpoint : env.get("HF_ENDPOINT");
        if (ep == null || ep.isBlank()) {
            ep = DEFAULT_ENDPOINT;
        }
        this.endpoint = endpointUri(ep.strip());
        String t = b.token != null ? b.token : env.get("HF_TOKEN");
        if (t == null || t.isBlank()) {
            t = env.get("HUGGING_FACE_HUB_TOKEN");
        }
        this.token = t == null || t.isBlank() ? null : t.strip();
        if (b.offline != null) {
            this.offlineReason = b.offline ? "offline(true)" : null;
        } else if (env.isTrue("DRO4J_OFFLINE")) {
            this.offlineReason = "DRO4J_OFFLINE=" + env.get("DRO4J_OFFLINE").strip();
        } else if (env.isTrue("HF_HUB_OFFLINE")) {
            this.offlineReason = "HF_HUB_OFFLINE=" + env.get("HF_HUB_OFFLINE").strip();
        } else {
            this.offlineReason = null;
        }
        this.listener = b.listener;
        this.givenHttp = b.httpClient;
        this.retryPolicy = b.policy();
        this.catalog = b.catalog;
        this.quantization = CatalogEntry.normalizeQuantization(b.quantization);
    }

    /** A client with every setting at its default (process environment, default cache). */
    public static HubClient defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this client's settings, to derive another client. */
    public Builder toBuilder() {
        return settings.copy();
    }

    /** Where downloaded models are kept. */
    public Path cacheDir() {
        return cacheDir;
    }

    /** The hub (or mirror) downloads come from. */
    public URI endpoint() {
        return endpoint;
    }

    /** Whether the network is forbidden. */
    public boolean isOffline() {
        return offlineReason != null;
    }

    /** The quantisation catalogue names resolve to. */
    public String quantization() {
        return quantization;
    }

    /** Where this client reads environment variables (also for settings of other parts, such as prompt pulls). */
    public Environment environment() {
        return settings.environment;
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    /**
     * A model name to a GGUF file on disk, downloading it if needed: an {@code hf://} name, else an existing file,
     * else a catalogue name, else a path that looks like a file (which may not exist; loading it then says so).
     *
     * @throws HubException            if a download is needed and fails, or is forbidden (offline)
     * @throws InvalidRequestException if the name is malformed, or is neither a file nor a known name
     */
    public ResolvedModel resolve(String model) {
        if (model == null || model.isBlank()) {
            throw new InvalidRequestException("model must not be empty, but was "
                    + (model == null ? "null" : "\"" + model + "\""));
        }
        String name = model.strip();
        if (HfFile.isHfName(name)) {
            HfFile f = HfFile.parse(name);
            return new ResolvedModel(model, fetch(f), Optional.empty(), Optional.of(f));
        }
        Path path = null;
        try {
            path = Path.of(name);
        } catch (InvalidPathException e) {
            // not a path; maybe a name
        }
        if (path != null && Files.isRegularFile(path)) {
            return ResolvedModel.local(model, path); // a file wins over a name (a directory does not)
        }
        Optional<CatalogEntry> entry = catalog.find(name);
        if (entry.isPresent()) {
            HfFile f = entry.get().file(quantization);
            return new ResolvedModel(model, fetch(f), entry, Optional.of(f));
        }
        if (path == null || !looksLikeAFile(name)) {
            throw new InvalidRequestException("Unknown model \"" + name + "\": not a file, not an hf:// name, and not"
                    + " in the catalogue (" + String.join(", ", catalogNames()) + ")");
        }
        return ResolvedModel.local(model, path);
    }

    /**
     * The local copy of a hub file: the cached one, or a fresh download.
     *
     * @throws HubException if it is not cached and cannot be downloaded (or offline mode forbids it)
     */
    public Path fetch(HfFile file) {
        Path target = cachePath(file);
        if (Files.isRegularFile(target)) {
            return target;
        }
        if (offlineReason != null) {
            throw new HubException("Offline mode (" + offlineReason + ") forbids downloading " + file
                    + ", and it is not in the model cache at " + target
                    + ". Download it once without offline mode, or give the path of a local GGUF file.", false);
        }
        return new Downloader(this, file, target).run();
    }

    /**
     * The local copy of a pinned file: the cached one, or a fresh download from its URL, accepted only with exactly
     * the pinned size and SHA-256 (a mismatch is not retried: the source serves other bytes). Cached at
     * {@code <cacheDir>/pinned/<sha256>/<file name>}, so a second fetch, from any URL, asks nothing of the network.
     *
     * @throws HubException if it is not cached and cannot be downloaded, fails its check, or offline mode forbids it
     */
    public Path fetch(PinnedFile file) {
        Path target = cachePath(file);
        if (Files.isRegularFile(target)) {
            return target;
        }
        if (offlineReason != null) {
            throw new HubException("Offline mode (" + offlineReason + ") forbids downloading " + file.name() + " from "
                    + file.url() + ", and it is not in the cache at " + target + ".", false);
        }
        return new Downloader(this, file, target).run();
    }

    /** Where a pinned file is (or would be) cached. */
    public Path cachePath(PinnedFile file) {
        return cacheDir.resolve("pinned").resolve(file.sha256()).resolve(file.fileName());
    }

    /** Whether a pinned file is cached. */
    public boolean isCached(PinnedFile file) {
        return Files.isRegularFile(cachePath(file));
    }

    /** The HTTP client, made on first use (local files and cached models need none). */
    HttpClient http() {
        HttpClient h = http;
        if (h == null) {
            synchronized (this) {
                h = http;
                if (h == null) {
                    h = givenHttp != null ? givenHttp : HttpClient.newBuilder()
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .connectTimeout(Duration.ofSeconds(30))
                            .build();
                    http = h;
                }
            }
        }
        return h;
    }

    /** Where a hub file is (or would be) cached. */
    public Path cachePath(HfFile file) {
        Path p = cacheDir.resolve(file.repo().replace('/', java.io.File.separatorChar))
                .resolve(file.revision());
        for (String part : file.path().split("/")) {
            p = p.resolve(part);
        }
        return p;
    }

    /** Whether a hub file is cached. */
    public boolean isCached(HfFile file) {
        return Files.isRegularFile(cachePath(file));
    }

    /** The {@code resolve} URL of a file: {@code <endpoint>/<repo>/resolve/<revision>/<path>}. */
    public URI resolveUrl(HfFile file) {
        StringBuilder sb = new StringBuilder(endpoint.toString());
        if (sb.charAt(sb.length() - 1) != '/') {
            sb.append('/');
        }
        sb.append(file.repo()).append("/resolve/").append(encode(file.revision()));
        for (String part : file.path().split("/")) {
            sb.append('/').append(encode(part));
        }
        return URI.create(sb.toString());
    }

    private java.util.List<String> catalogNames() {
        return catalog.entries().stream().map(CatalogEntry::id).toList();
    }

    private static boolean looksLikeAFile(String name) {
        return name.toLowerCase(Locale.ROOT).endsWith(".gguf") || name.startsWith(".") || name.startsWith("/")
                || name.startsWith("~") || name.contains("\\") || name.split("/").length > 2;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static URI endpointUri(String s) {
        URI uri;
        try {
            uri = URI.create(s);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("HF_ENDPOINT must be an http(s) URL, but was \"" + s + "\"");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new InvalidRequestException("HF_ENDPOINT must be an http(s) URL, but was \"" + s + "\"");
        }
        return uri;
    }

    @Override
    public String toString() {
        return "HubClient[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", offline=" + isOffline()
                + ", token=" + (token == null ? "none" : "set") + "]";
    }

    /** Settings of a {@link HubClient}; each one not given falls back to the environment, then to its default. */
    public static final class Builder {
        private static final int DEFAULT_ATTEMPTS = 4;
        private static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(2);
        private Path cacheDir;
        private Boolean offline;
        private String endpoint;
        private String token;
        private Environment environment = Environment.SYSTEM;
        private DownloadListener listener = DownloadListener.NONE;
        private HttpClient httpClient;
        private Integer maxAttempts;
        private Duration retryBackoff;
        private RetryPolicy retryPolicy;
        private ModelCatalog catalog = ModelCatalog.DEFAULT;
        private String quantization;

        private Builder() { }

        private Builder copy() {
            Builder b = new Builder();
            b.cacheDir = cacheDir;
            b.offline = offline;
            b.endpoint = endpoint;
            b.token = token;
            b.environment = environment;
            b.listener = listener;
            b.httpClient = httpClient;
            b.maxAttempts = maxAttempts;
            b.retryBackoff = retryBackoff;
            b.retryPolicy = retryPolicy;
            b.catalog = catalog;
            b.quantization = quantization;
            return b;
        }

        /** Where models are cached (default {@code <dro4j cache>/models}). */
        public Builder cacheDir(Path dir) {
            this.cacheDir = dir;
            return this;
        }

        /** Forbid (true) or allow (false) the network, overriding {@code DRO4J_OFFLINE}/{@code HF_HUB_OFFLINE}. */
        public Builder offline(boolean offline) {
            this.offline = offline;
            return this;
        }

        /** The hub or a mirror, overriding {@code HF_ENDPOINT}. */
        public Builder endpoint(String url) {
            this.endpoint = url;
            return this;
        }

        /** An access token, overriding {@code HF_TOKEN}. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** Where environment variables are read from (default: the process environment). */
        public Builder environment(Environment environment) {
            this.environment = environment;
            return this;
        }

        /** Hears download progress (default: nothing). */
        public Builder listener(DownloadListener listener) {
            this.listener = listener;
            return this;
        }

        /** The HTTP client; it must not follow redirects itself (default: a new one). */
        public Builder httpClient(HttpClient client) {
            this.httpClient = client;
            return this;
        }

        /** Attempts per download, each resuming the last (default 4); overrides the retry policy's. */
        public Builder maxAttempts(int attempts) {
            this.maxAttempts = attempts;
            return this;
        }

        /**
         * Wait before the second attempt, doubled for each further one and shortened by the policy's jitter (default
         * 2 s); overrides the retry policy's initial backoff.
         */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = backoff;
            return this;
        }

        /**
         * When downloads are tried again (default: {@link RetryPolicy#DEFAULT} with 4 attempts and a 2 s initial
         * backoff). {@link #maxAttempts} and {@link #retryBackoff}, when given, override its settings.
         */
        public Builder retryPolicy(RetryPolicy policy) {
            this.retryPolicy = policy;
            return this;
        }

        private RetryPolicy policy() {
            RetryPolicy.Builder p = retryPolicy != null ? retryPolicy.toBuilder()
                    : RetryPolicy.DEFAULT.toBuilder().maxAttempts(DEFAULT_ATTEMPTS).initialBackoff(DEFAULT_BACKOFF);
            if (maxAttempts != null) {
                p.maxAttempts(maxAttempts);
            }
            if (retryBackoff != null) {
                RetryPolicy base = p.build();
                p.initialBackoff(retryBackoff).maxBackoff(retryBackoff.compareTo(base.maxBackoff()) > 0 ? retryBackoff
                        : base.maxBackoff());
            }
            return p.build();
        }

        /** The names known besides paths and {@code hf://} names (default {@link ModelCatalog#DEFAULT}). */
        public Builder catalog(ModelCatalog catalog) {
            this.catalog = catalog;
            return this;
        }

        /** The quantisation catalogue names resolve to (default {@value CatalogEntry#DEFAULT_QUANTIZATION}). */
        public Builder quantization(String quantization) {
            this.quantization = quantization;
            return this;
        }

        /**
         * Checks the settings.
         *
         * @throws InvalidRequestException naming a setting that cannot work
         */
        public HubClient build() {
            if (environment == null) {
                throw new InvalidRequestException("environment must not be null");
            }
            if (listener == null) {
                throw new InvalidRequestException("listener must not be null");
            }
            if (catalog == null) {
                throw new InvalidRequestException("catalog must not be null");
            }
            if (maxAttempts != null && (maxAttempts < 1 || maxAttempts > 100)) {
                throw new InvalidRequestException("maxAttempts must be between 1 and 100, but was " + maxAttempts);
            }
            if (retryBackoff != null && retryBackoff.isNegative()) {
                throw new InvalidRequestException("retryBackoff must not be negative, but was " + retryBackoff);
            }
            if (httpClient != null && httpClient.followRedirects() != HttpClient.Redirect.NEVER) {
                throw new InvalidRequestException("httpClient must not follow redirects (HubClient follows them,"
                        + " keeping the token from other hosts), but follows " + httpClient.followRedirects());
            }
            return new HubClient(this);
        }
    }
}
