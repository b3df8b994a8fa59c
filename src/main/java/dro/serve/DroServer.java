package dro.serve;

import static dro.internal.Validation.ensureBetween;
import static dro.internal.Validation.ensureNotBlank;

import dro.AutoModel;
import dro.GenerateOptions;
import dro.InvalidRequestException;
import dro.ModelLoadException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dro.FileAccessException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * DRO as an OpenAI-compatible HTTP service: any OpenAI client gets answers from an {@link AutoModel} (its optimised
 * prompt and in-context examples in front of every query) by changing its base URL.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * try (AutoModel model = AutoModel.builder().model("mistral-7b-instruct").parallelSlots(4).build();
 *      DroServer server = DroServer.builder().model("mistral-7b-instruct", model).slots(4).port(8080).start()) {
 *     server.awaitStop();
 * }
 * }</pre>
 *
 * <h2>What is served</h2>
 * {@code POST /v1/chat/completions} (blocking and {@code stream: true}), {@code GET /v1/models}, {@code GET /health},
 * {@code GET /ready} and {@code GET /metrics} (Prometheus text). A request is answered as
 * {@link AutoModel#complete(String, GenerateOptions, int)} (or {@link AutoModel#stream}) answers its last user
 * message, with the options the request sets over the model's own {@link AutoModel#defaultOptions() default options}
 * (one place for them: {@link AutoModel.Builder#defaultOptions}); a system message replaces the optimised prompt;
 * earlier turns are not sent. A request for {@code n} choices gets them from one call to the model when not streamed,
 * and one after another, each with its index, when streamed. The extension object
 * {@code "dro": {"optimized_prompt": false, "num_icl": 0}} turns the optimised prompt and the examples off per
 * request. A field the server does not honour is a 400 naming it.
 *
 * <h2>Limits and security</h2>
 * It binds to 127.0.0.1 unless {@link Builder#host} says otherwise, and refuses to start on another address without
 * {@link Builder#apiKeys API keys} unless {@link Builder#noAuth(boolean) noAuth(true)}. At most {@link Builder#slots}
 * generations run at once and {@link Builder#queue} more wait; beyond that a request gets 429 with
 * {@code Retry-After}. A request for {@code n} choices, not streamed, takes {@code min(n, slots)} of them. Request
 * bodies, {@code max_tokens}, {@code n} and the time of a request are capped. Prompts and answers are
 * never logged unless {@link Builder#logContent(boolean)}.
 *
 * <h2>Lifecycle and threads</h2>
 * {@link Builder#start()} binds and serves; {@link #stop(Duration)} stops accepting, lets requests in flight finish
 * for up to the drain time, cancels what is left, and returns. The server does not own the models: close them after
 * stopping it. Thread-safe.
 */
public final class DroServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DroServer.class);

    /** The settings a handler reads. */
    record Settings(ApiKeys apiKeys, int maxTokens, int maxN, long maxBodyBytes, Duration requestTimeout,
                    boolean logContent) { }

    /** The optional artifacts {@code dro.serve} needs, in the POM's versions (checked by a test). */
    static final String JETTY = "org.eclipse.jetty:jetty-server:12.1.13";
    static final String MICROMETER = "io.micrometer:micrometer-core:1.17.2";
    static final String PROMETHEUS = "io.micrometer:micrometer-registry-prometheus:1.17.2";

    private final Server jetty;
    private final ServerConnector connector;
    private final Admission admission;
    private final ActiveStreams active;
    private final Duration drain;
    private final Object stopLock = new Object();
    private boolean stopped;

    private DroServer(Server jetty, ServerConnector connector, Admission admission, ActiveStreams active,
                      Duration drain) {
        this.jetty = jetty;
        this.connector = connector;
        this.admission = admission;
        this.active = active;
        this.drain = drain;
    }

    /**
     * A builder; at least one {@link Builder#model model} is required.
     *
     * @throws ModelLoadException naming the optional artifacts when Jetty or Micrometer is not on the class path
     */
    public static Builder builder() {
        ensureAvailable();
        return new Builder();
    }

    /** The port the server listens on (the one chosen when the builder asked for port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** The address it listens on. */
    public String host() {
        return connector.getHost();
    }

    /** The base URL an OpenAI client is given: {@code http://HOST:PORT/v1}. */
    public String baseUrl() {
        String h = host();
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port() + "/v1";
    }

    /** Requests generating now (the busy slots). */
    public int busySlots() {
        return admission.busy();
    }

    /** Requests waiting for a slot. */
    public int queued() {
        return admission.waiting();
    }

    /**
     * Stops accepting, lets requests in flight finish for up to {@code drain}, then cancels the streams still
     * generating and returns. Calling it again does nothing.
     */
    public void stop(Duration drain) {
        synchronized (stopLock) {
            if (stopped) {
                return;
            }
            stopped = true;
        }
        active.drain();
        log.info("dro serve stopping: {} requests in flight, up to {} s to finish", admission.busy()
                + admission.waiting(), drain.toSeconds());
        jetty.setStopTimeout(Math.max(1, drain.toMillis()));
        try {
            jetty.stop();
        } catch (Exception e) {
            log.warn("dro serve did not stop cleanly: {}", e.toString());
        } finally {
            active.cancelAll();
            synchronized (stopLock) {
                stopLock.notifyAll();
            }
        }
        log.info("dro serve stopped");
    }

    /** Stops with the builder's drain time. */
    @Override
    public void close() {
        stop(drain);
    }

    /** Blocks until {@link #stop} has run. */
    public void awaitStop() throws InterruptedException {
        synchronized (stopLock) {
            while (!stopped || jetty.isRunning() || jetty.isStopping()) {
                stopLock.wait(1000);
            }
        }
    }

    static void ensureAvailable() {
        for (String[] c : new String[][] {{"org.eclipse.jetty.server.Server", JETTY},
                {"io.micrometer.core.instrument.MeterRegistry", MICROMETER},
                {"io.micrometer.prometheusmetrics.PrometheusMeterRegistry", PROMETHEUS}}) {
            try {
                Class.forName(c[0], false, DroServer.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ModelLoadException("dro serve needs " + c[1] + " on the class path, which dro4j declares"
                        + " optional: add " + JETTY + ", " + MICROMETER + " and " + PROMETHEUS + " to serve", e);
            }
        }
    }

    /** Collects the server's settings; {@link #start()} validates them, binds and serves. */
    public static final class Builder {
        private final Map<String, AutoModel> models = new LinkedHashMap<>();
        private String host = "127.0.0.1";
        private int port = 8080;
        private ApiKeys apiKeys = ApiKeys.NONE;
        private boolean noAuth;
        private int slots = 1;
        private int queue = 16;
        private int maxTokens = 4096;
        private int maxN = 8;
        private long maxBodyBytes = 1 << 20;
        private Duration requestTimeout = Duration.ofMinutes(5);
        private Duration drain = Duration.ofSeconds(30);
        private boolean logContent;

        private Builder() { }

        /**
         * Serves {@code model} under {@code name}, the {@code model} a request names and {@code GET /v1/models} lists.
         * The model stays the caller's to close.
         */
        public Builder model(String name, AutoModel model) {
            ensureNotBlank(name, "name");
            if (model == null) {
                throw new InvalidRequestException("model must not be null: give the AutoModel that answers " + name);
            }
            if (models.putIfAbsent(name, model) != null) {
                throw new InvalidRequestException("The model name \"" + name + "\" is given twice");
            }
            return this;
        }

        /** The address to bind; default 127.0.0.1 (loopback only). */
        public Builder host(String host) {
            this.host = ensureNotBlank(host, "host");
            return this;
        }

        /** The port; 0 picks a free one (see {@link DroServer#port()}); default 8080. */
        public Builder port(int port) {
            this.port = ensureBetween(port, 0, 65535, "port");
            return this;
        }

        /** The keys a client must send as {@code Authorization: Bearer KEY}; default none. */
        public Builder apiKeys(ApiKeys keys) {
            if (keys == null) {
                throw new InvalidRequestException("apiKeys must not be null (ApiKeys.NONE for none)");
            }
            this.apiKeys = keys;
            return this;
        }

        /** Allows serving a non-loopback address without API keys; default false (refused). */
        public Builder noAuth(boolean noAuth) {
            this.noAuth = noAuth;
            return this;
        }

        /**
         * Requests that generate at once: a local model's parallel slots (give the model as many), an endpoint's
         * concurrency; default 1.
         */
        public Builder slots(int slots) {
            this.slots = ensureBetween(slots, 1, 1024, "slots");
            return this;
        }

        /** Requests that may wait for a slot; one more gets 429 with {@code Retry-After}; default 16. */
        public Builder queue(int queue) {
            this.queue = ensureBetween(queue, 0, 100_000, "queue");
            return this;
        }

        /** The most {@code max_tokens} a request may ask for (more is a 400); default 4096. */
        public Builder maxTokens(int maxTokens) {
            this.maxTokens = ensureBetween(maxTokens, 1, 1 << 20, "maxTokens");
            return this;
        }

        /** The most choices ({@code n}) a request may ask for (more is a 400); default 8. */
        public Builder maxN(int maxN) {
            this.maxN = ensureBetween(maxN, 1, 128, "maxN");
            return this;
        }

        /** The largest request body in bytes (more is a 413); default 1 MiB. */
        public Builder maxBodyBytes(long bytes) {
            if (bytes < 1024 || bytes > (1L << 30)) {
                throw new InvalidRequestException("maxBodyBytes must be between 1024 and 2^30, but was " + bytes);
            }
            this.maxBodyBytes = bytes;
            return this;
        }

        /**
         * How long a request may wait for a slot (then 503), and how long a stream may generate (then it ends with a
         * 504 error event); default 5 minutes. A blocking answer's own time limit is the model's
         * ({@link AutoModel.Builder#timeout}).
         */
        public Builder requestTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new InvalidRequestException("requestTimeout must be positive, but was " + timeout);
            }
            this.requestTimeout = timeout;
            return this;
        }

        /** How long {@link DroServer#close()} lets requests in flight finish; default 30 s. */
        public Builder drain(Duration drain) {
            if (drain == null || drain.isNegative()) {
                throw new InvalidRequestException("drain must be zero or more, but was " + drain);
            }
            this.drain = drain;
            return this;
        }

        /** Logs each query and answer at INFO on {@code dro.serve.access}; default false (never). */
        public Builder logContent(boolean logContent) {
            this.logContent = logContent;
            return this;
        }

        /**
         * Binds and serves.
         *
         * @throws InvalidRequestException naming a setting that is missing or unsafe (a non-loopback host without API
         *                                 keys and without {@code noAuth})
         * @throws dro.DroException       when the address cannot be bound
         */
        public DroServer start() {
            if (models.isEmpty()) {
                throw new InvalidRequestException("No model to serve: give at least one with model(name, autoModel)");
            }
            checkAccess();
            Admission admission = new Admission(slots, queue);
            ServeMetrics metrics = new ServeMetrics(admission);
            ActiveStreams active = new ActiveStreams();
            Settings settings = new Settings(apiKeys, maxTokens, maxN, maxBodyBytes, requestTimeout, logContent);
            // every admitted request holds a thread while it waits or generates; the rest answer at once
            QueuedThreadPool threads = new QueuedThreadPool(Math.max(32, slots + queue + 16), 4);
            threads.setName("dro-serve");
            Server jetty = new Server(threads);
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            http.setSendDateHeader(false);
            ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
            connector.setHost(host);
            connector.setPort(port);
            connector.setIdleTimeout(requestTimeout.plusSeconds(30).toMillis());
            jetty.addConnector(connector);
            jetty.setHandler(new GracefulHandler(new ServeHandler(settings,
                    Collections.unmodifiableMap(new LinkedHashMap<>(models)), admission, metrics, active)));
            jetty.setStopTimeout(Math.max(1, drain.toMillis()));
            jetty.setStopAtShutdown(false);
            try {
                jetty.start();
            } catch (Exception e) {
                try {
                    jetty.stop();
                } catch (Exception ignored) {
                    // nothing more to release
                }
                throw new dro.DroException("Cannot serve on " + host + ":" + port + ": " + e.getMessage(), e);
            }
            DroServer server = new DroServer(jetty, connector, admission, active, drain);
            log.info("dro serve listening on {} ({} model(s): {}; {} slots, queue {}, {})", server.baseUrl(),
                    models.size(), String.join(", ", models.keySet()), slots, queue,
                    apiKeys.isEmpty() ? "no API keys" : apiKeys.size() + " API keys");
            return server;
        }

        /**
         * Checks that the server would not be open to other machines without API keys: {@link #start()} checks it
         * too; call it before loading a model to fail before the load.
         *
         * @throws InvalidRequestException when the host is not a loopback address, no API keys are given and
         *                                 {@link #noAuth(boolean) noAuth} is not set
         */
        public Builder checkAccess() {
            if (apiKeys.isEmpty() && !noAuth && !isLoopback(host)) {
                throw new InvalidRequestException("Refusing to serve " + host + " without API keys: give API keys"
                        + " (--api-keys FILE or DRO_SERVE_API_KEYS), or allow unauthenticated access to a non-loopback"
                        + " address explicitly (--no-auth)");
            }
            return this;
        }

        private static boolean isLoopback(String host) {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                throw new InvalidRequestException("Unknown host \"" + host + "\": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The API keys a {@link DroServer} accepts as {@code Authorization: Bearer KEY}, each for every served model or for
     * some. Keys are compared in constant time (as SHA-256 digests, with {@link MessageDigest#isEqual}), every key every
     * time, and never logged or shown in messages.
     *
     * <h2>Keys file</h2>
     * One key per line, optionally followed by white space and a comma-separated list of the served model names it may
     * use; blank lines and lines starting with {@code #} are skipped:
     * <pre>
     * # team A may use every model
     * sk-team-a-3c1f...
     * sk-team-b-99d0...  mistral-7b,gpt-4o-mini
     * </pre>
     *
     * <p>Immutable and thread-safe.
     */
    public static final class ApiKeys {

        /** No keys: the server does not ask for any (see {@link DroServer.Builder#noAuth(boolean)}). */
        public static final ApiKeys NONE = new ApiKeys(List.of());

        /** What a request's {@code Authorization} header is worth. */
        enum Verdict { ALLOWED, MISSING, WRONG, FORBIDDEN }

        private record Key(byte[] digest, Set<String> models) { }

        private final List<Key> keys;

        private ApiKeys(List<Key> keys) {
            this.keys = List.copyOf(keys);
        }

        /** Keys that may use every served model. */
        public static ApiKeys of(Collection<String> keys) {
            if (keys == null) {
                throw new InvalidRequestException("keys must not be null");
            }
            List<Key> out = new ArrayList<>();
            int i = 0;
            for (String k : keys) {
                out.add(new Key(digest(checkKey(k, "keys[" + i++ + "]")), Set.of()));
            }
            return new ApiKeys(out);
        }

        /**
         * Keys from a keys file (see the class documentation).
         *
         * @throws FileAccessException     when the file cannot be read
         * @throws InvalidRequestException naming the line (never the key) when a line is malformed or the file holds no key
         */
        public static ApiKeys read(Path file) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new FileAccessException("Cannot read the API keys file " + file.toAbsolutePath() + ": " + e, file,
                        e);
            }
            List<Key> out = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\\s+");
                if (parts.length > 2) {
                    throw new InvalidRequestException("Line " + (i + 1) + " of the API keys file " + file.toAbsolutePath()
                            + " must be a key, optionally followed by a comma-separated list of models, but has "
                            + parts.length + " words");
                }
                Set<String> models = Set.of();
                if (parts.length == 2) {
                    models = Set.copyOf(Arrays.stream(parts[1].split(",")).filter(s -> !s.isBlank()).toList());
                }
                out.add(new Key(digest(checkKey(parts[0], "line " + (i + 1))), models));
            }
            if (out.isEmpty()) {
                throw new InvalidRequestException("The API keys file " + file.toAbsolutePath() + " holds no key");
            }
            return new ApiKeys(out);
        }

        /** Whether any key is required. */
        public boolean isEmpty() {
            return keys.isEmpty();
        }

        /** How many keys there are. */
        public int size() {
            return keys.size();
        }

        /** The verdict on an {@code Authorization} header value (or null) for a request to {@code model} (or null). */
        Verdict check(String authorization, String model) {
            if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return Verdict.MISSING;
            }
            byte[] given = digest(authorization.substring(7).strip());
            Key match = null;
            for (Key k : keys) {
                if (MessageDigest.isEqual(k.digest(), given) && match == null) {
                    match = k;
                }
            }
            if (match == null) {
                return Verdict.WRONG;
            }
            return model == null || match.models().isEmpty() || match.models().contains(model) ? Verdict.ALLOWED
                    : Verdict.FORBIDDEN;
        }

        @Override
        public String toString() {
            return "ApiKeys{" + keys.size() + " keys}";
        }

        private static String checkKey(String key, String where) {
            if (key == null || key.isBlank() || key.chars().anyMatch(Character::isWhitespace)) {
                throw new InvalidRequestException("An API key (" + where + ") must be non-empty and hold no white space");
            }
            return key;
        }

        private static byte[] digest(String s) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
