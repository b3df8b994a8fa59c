package dro;

import java.time.Duration;
import java.util.Optional;

/**
 * The root of every exception dro4j throws at its caller. Catch it to handle any failure of the library; catch a
 * subclass to handle one meaning. Each subclass says when it is thrown and whether trying the same call again can
 * help ({@link #isRetriable()}): a rate limit or a timeout can pass, a bad argument or a missing file cannot.
 *
 * <h2>The family</h2>
 * <pre>
 * DroException
 * ├── InvalidRequestException       dro4j refused the call before doing anything (an argument, setting or request
 * │   │                             that can never work as given); nothing was sent
 * │   ├── ContextOverflowException  the prompt does not fit in the model's context
 * │   └── compat.ArtifactException  a file of the original DRO that cannot be used
 * │       └── compat.UnsafePickleException
 * ├── FileAccessException           a file or directory could not be read or written; names the path
 * ├── BudgetExceededException       a token budget is spent; a run resumes with a larger one
 * ├── ModelLoadException            a local model could not be loaded
 * │   └── gguf.GgufException        the file is not a readable GGUF model
 * ├── GenerationException           a model failed while generating (retriable or not, as it says)
 * ├── ApiException                  an OpenAI-compatible endpoint did not give a usable answer
 * │   ├── RateLimitException        (429)          retriable
 * │   ├── ServerErrorException      (5xx)          retriable
 * │   ├── ApiTimeoutException       (timeout, 408) retriable
 * │   ├── ApiConnectionException    (no answer)    retriable
 * │   ├── InvalidResponseException  (unreadable)   retriable
 * │   ├── AuthenticationException   (401, 403)
 * │   ├── ModelNotFoundException    (404)
 * │   └── BadRequestException       (400, other 4xx): the endpoint refused the request after it was sent
 * ├── backend.RoutingChatModel.AllEndpointsDownException   not retriable (every endpoint just failed; resume later)
 * ├── backend.llamacpp.NativeBuildException                building llama.cpp failed
 * └── hub.HubException              a model file could not be had from the hub (retriable or not, as it says)
 * </pre>
 * {@link InvalidRequestException} and {@link BadRequestException} differ in who refused: dro4j itself, before
 * sending anything, or the endpoint, which answered HTTP 400. Neither is retriable. This class itself is thrown
 * only for a failure that no subclass names (such as a batch ledger dro4j can no longer read); its message says
 * what to do.
 *
 * <h2>What else can escape</h2>
 * Every exception that dro4j's public API throws is a {@code DroException}, argument checks included, except:
 * <ul>
 *   <li>{@link NullPointerException} where {@code null} is passed for a value that is required;</li>
 *   <li>what a JDK interface prescribes: {@link java.util.NoSuchElementException} from an iterator (such as a
 *       {@link TokenStream}) that has no more elements, {@link UnsupportedOperationException} from changing an
 *       unmodifiable collection dro4j returned;</li>
 *   <li>exceptions thrown by the caller's own code that dro4j runs (a {@code ChatModel}, a search
 *       space, a listener, an embedder), which pass through unchanged;</li>
 *   <li>{@link IllegalStateException} for a bug in dro4j or a jar missing its own resources: never a reaction to
 *       what the caller did (please report it); and {@link Error}s such as {@link OutOfMemoryError}.</li>
 * </ul>
 *
 * <h2>Retries</h2>
 * {@link #isRetriable()} and {@link #retryAfter()} are what dro4j's retry layer
 * ({@code dro.backend.RetryingChatModel}) consults: it tries again only a {@code DroException} whose
 * {@code isRetriable()} is true, after {@code retryAfter()} when the other side asked, and never any other exception.
 */
public class DroException extends RuntimeException {

    public DroException(String message) {
        super(message);
    }

    public DroException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Whether the same call may succeed if made again later, unchanged. False unless a subclass says otherwise: a
     * rate limit, a server error, a timeout, a broken connection or an interrupted transfer may pass; a refused
     * argument, a refused key, a spent budget or an unreadable file will not.
     */
    public boolean isRetriable() {
        return false;
    }

    /** How long the other side asked to wait before trying again ({@code Retry-After}), if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.empty();
    }
}
