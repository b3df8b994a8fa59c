package dro.backend;

import com.fasterxml.jackson.databind.JsonNode;
import dro.Environment;
import dro.InvalidRequestException;
import dro.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One OpenAI-compatible server among several that serve a run (see {@link RoutingChatModel}): where it is, which
 * environment variable holds its key, how many requests it takes at once, its share of the traffic, and the model
 * name it knows, if it differs.
 *
 * <h2>The endpoints file</h2>
 * {@link #readAll} reads a JSON array of objects with exactly these keys (snake_case):
 * <pre>{@code
 * [{"base_url": "http://h1:8000/v1", "api_key_env": "KEY1", "max_concurrency": 4, "weight": 1},
 *  {"base_url": "http://h2:8000/v1", "api_key_env": "KEY2", "max_concurrency": 8, "model": "mistral-7b"}]
 * }</pre>
 * {@code base_url} is required; {@code api_key_env} defaults to {@value #DEFAULT_API_KEY_ENV}, {@code max_concurrency}
 * to {@value #DEFAULT_MAX_CONCURRENCY}, {@code weight} to 1, and {@code model} to the name the caller asks for.
 *
 * @param baseUrl        the endpoint, an http(s) URL such as {@code http://h1:8000/v1} (trailing slashes removed)
 * @param apiKeyEnv      the environment variable holding the endpoint's API key (never the key itself)
 * @param maxConcurrency requests the endpoint is sent at once, 1 to 256
 * @param weight         its share of the traffic among endpoints equally loaded, greater than 0 (see
 *                       {@link RoutingChatModel})
 * @param model          the model name this endpoint knows, overriding the caller's; null to keep the caller's
 */
public record Endpoint(String baseUrl, String apiKeyEnv, int maxConcurrency, double weight, String model) {

    /** The variable the key is read from when {@code api_key_env} is not given. */
    public static final String DEFAULT_API_KEY_ENV = "OPENAI_API_KEY";
    /** Requests at once when {@code max_concurrency} is not given. */
    public static final int DEFAULT_MAX_CONCURRENCY = 4;

    private static final Set<String> KEYS = Set.of("base_url", "api_key_env", "max_concurrency", "weight", "model");

    /**
     * @throws InvalidRequestException naming the first value out of range
     */
    public Endpoint {
        baseUrl = checkUrl(baseUrl);
        if (apiKeyEnv == null || apiKeyEnv.isBlank()) {
            throw new InvalidRequestException("api_key_env must name an environment variable, but was "
                    + (apiKeyEnv == null ? "null" : "\"" + apiKeyEnv + "\""));
        }
        if (maxConcurrency < 1 || maxConcurrency > 256) {
            throw new InvalidRequestException("max_concurrency must be between 1 and 256, but was " + maxConcurrency);
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new InvalidRequestException("weight must be a positive number, but was " + weight);
        }
        if (model != null && model.isBlank()) {
            throw new InvalidRequestException("model must not be empty when given, but was \"" + model + "\"");
        }
    }

    /** An endpoint with the defaults: key from {@value #DEFAULT_API_KEY_ENV}, 4 at once, weight 1, the caller's model. */
    public static Endpoint of(String baseUrl) {
        return new Endpoint(baseUrl, DEFAULT_API_KEY_ENV, DEFAULT_MAX_CONCURRENCY, 1, null);
    }

    /** The same endpoint taking {@code maxConcurrency} requests at once. */
    public Endpoint withMaxConcurrency(int maxConcurrency) {
        return new Endpoint(baseUrl, apiKeyEnv, maxConcurrency, weight, model);
    }

    /** The same endpoint with its key in {@code apiKeyEnv}. */
    public Endpoint withApiKeyEnv(String apiKeyEnv) {
        return new Endpoint(baseUrl, apiKeyEnv, maxConcurrency, weight, model);
    }

    /** The same endpoint with this share of the traffic. */
    public Endpoint withWeight(double weight) {
        return new Endpoint(baseUrl, apiKeyEnv, maxConcurrency, weight, model);
    }

    /** The same endpoint knowing the model as {@code model} (null: the caller's name). */
    public Endpoint withModel(String model) {
        return new Endpoint(baseUrl, apiKeyEnv, maxConcurrency, weight, model);
    }

    /** The name of the endpoint in statistics and messages: its base URL without user info, query or fragment. */
    public String name() {
        try {
            URI u = new URI(baseUrl);
            return new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), null, null).toString();
        } catch (URISyntaxException e) {
            return baseUrl; // cannot happen: checked when made
        }
    }

    /** The model to ask this endpoint for when the caller asks for {@code requested}. */
    public String modelFor(String requested) {
        return model != null ? model : requested;
    }

    /**
     * Reads an endpoints file (see above) without looking at the environment.
     *
     * @throws InvalidRequestException naming the file, the endpoint's index and the bad value: the file is missing or
     *                                 not a JSON array, the array is empty, an entry has an unknown key, lacks
     *                                 {@code base_url}, has a value of the wrong type or out of range, or repeats
     *                                 another's {@code base_url}
     */
    public static List<Endpoint> readAll(Path file) {
        if (file == null) {
            throw new InvalidRequestException("The endpoints file must not be null");
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(Files.readString(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidRequestException("The endpoints file " + file + " does not exist");
        } catch (IOException e) {
            throw new InvalidRequestException("The endpoints file " + file + " is not readable JSON: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || !root.isArray()) {
            throw new InvalidRequestException("The endpoints file " + file + " must hold a JSON array of endpoints"
                    + " such as [{\"base_url\": \"http://h1:8000/v1\", \"max_concurrency\": 4}], but holds "
                    + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType().name()
                    .toLowerCase(Locale.ROOT)));
        }
        if (root.isEmpty()) {
            throw new InvalidRequestException("The endpoints file " + file + " holds no endpoints: give at least one"
                    + " {\"base_url\": ...}");
        }
        List<Endpoint> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < root.size(); i++) {
            String where = file + ": endpoint [" + i + "]";
            Endpoint e;
            try {
                e = parse(root.get(i));
            } catch (InvalidRequestException bad) {
                throw new InvalidRequestException(where + ": " + bad.getMessage());
            }
            Integer before = seen.putIfAbsent(e.name(), i);
            if (before != null) {
                throw new InvalidRequestException(where + ": base_url " + e.name() + " repeats endpoint [" + before
                        + "]; raise its max_concurrency instead");
            }
            out.add(e);
        }
        return List.copyOf(out);
    }

    /**
     * Reads an endpoints file like {@link #readAll(Path)} and checks that every endpoint's key variable is set in
     * {@code environment}.
     *
     * @throws InvalidRequestException as {@link #readAll(Path)}, or naming the file, the endpoint's index and the
     *                                 variable that is not set
     */
    public static List<Endpoint> readAll(Path file, Environment environment) {
        List<Endpoint> all = readAll(file);
        for (int i = 0; i < all.size(); i++) {
            Endpoint e = all.get(i);
            if (environment.nonBlank(e.apiKeyEnv()).isEmpty()) {
                throw new InvalidRequestException(file + ": endpoint [" + i + "] (" + e.name() + "): the environment"
                        + " variable " + e.apiKeyEnv() + " (api_key_env) is not set; set it to the endpoint's API key"
                        + " (any non-empty value for a server that needs none)");
            }
        }
        return all;
    }

    private static Endpoint parse(JsonNode n) {
        if (!n.isObject()) {
            throw new InvalidRequestException("must be a JSON object such as {\"base_url\": \"http://h1:8000/v1\"},"
                    + " but was " + n);
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                throw new InvalidRequestException("unknown key \"" + key + "\"; the keys are base_url, api_key_env,"
                        + " max_concurrency, weight and model");
            }
        }
        if (!n.hasNonNull("base_url")) {
            throw new InvalidRequestException("base_url is missing");
        }
        String url = text(n, "base_url");
        String keyEnv = n.has("api_key_env") ? text(n, "api_key_env") : DEFAULT_API_KEY_ENV;
        int concurrency = DEFAULT_MAX_CONCURRENCY;
        if (n.has("max_concurrency")) {
            JsonNode c = n.get("max_concurrency");
            if (!c.isIntegralNumber() || !c.canConvertToInt()) {
                throw new InvalidRequestException("max_concurrency must be a whole number, but was " + c);
            }
            concurrency = c.intValue();
        }
        double weight = 1;
        if (n.has("weight")) {
            JsonNode w = n.get("weight");
            if (!w.isNumber()) {
                throw new InvalidRequestException("weight must be a number, but was " + w);
            }
            weight = w.doubleValue();
        }
        String model = n.has("model") ? text(n, "model") : null;
        return new Endpoint(url, keyEnv, concurrency, weight, model);
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (!v.isTextual()) {
            throw new InvalidRequestException(key + " must be a string, but was " + v);
        }
        return v.asText();
    }

    private static String checkUrl(String url) {
        if (url == null) {
            throw new InvalidRequestException("base_url must not be null");
        }
        String u = dro.internal.Validation.httpUrl(url);
        if (u != null) {
            return u;
        }
        throw new InvalidRequestException("base_url must be an http or https URL such as http://h1:8000/v1, but was"
                + " \"" + url.strip() + "\"");
    }

    @Override
    public String toString() {
        return "Endpoint{" + name() + ", api_key_env " + apiKeyEnv + ", max_concurrency " + maxConcurrency
                + ", weight " + weight + (model != null ? ", model " + model : "") + "}";
    }
}
