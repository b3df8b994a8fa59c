package dro.roles;

import dro.roles.internal.Roles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.FileAccessException;
import dro.Usage;
import dro.FinishReason;
import dro.backend.internal.BudgetedChatModel;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.internal.UsageAccounting;
import dro.backend.UsageTally;
import dro.internal.AtomicFiles;
import dro.internal.Digests;
import dro.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Every model call of a run, recorded on disk as it completes, so that nothing is paid for twice: a run that is
 * killed and started again, or run again when finished, is answered from here.
 *
 * <p>A call's key is the SHA-256 of its role, its site in the search and its full request. Deterministic calls
 * (temperature 0) use an empty site, so equal requests anywhere share one answer; sampled calls keep their site, so
 * two equal requests at different places are two samples, as in the original. Each call is one file
 * {@code calls/<2 hex>/<sha256>.json}, written to a temporary file and moved into place atomically.
 *
 * <p>Roles are recorded under their {@link Role} names. A call that older runs recorded under a role's former name
 * ({@link Role#legacyName}: {@code policy}, {@code aspect_selector}) is found under that name too, so that those runs
 * resume without making a call twice; new records use the current name.
 *
 * <p>Thread-safe. Concurrent calls with the same key are made once.
 */
public final class CallCache {

    private final Path dir;
    private final Map<String, CompletableFuture<ChatModelResponse>> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger made = new AtomicInteger();
    private final AtomicInteger reused = new AtomicInteger();
    private final UsageAccounting.Ledger usage = new UsageAccounting.Ledger();
    private final Map<String, AtomicInteger> madeByRole = new ConcurrentHashMap<>();
    private final BudgetedChatModel.Budget budget;

    /**
     * Counts of one run so far: calls made and reused, the tokens the calls made spent (as the models'
     * {@link UsageAccounting} counted them), the calls made per role, and the usage per model.
     */
    public record Stats(int made, int reused, long promptTokens, long completionTokens, Map<String, Integer> madeByRole,
                        Map<String, UsageTally.Totals> usageByModel) {

        public Stats {
            madeByRole = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(madeByRole));
            usageByModel = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(usageByModel));
        }

        public long tokens() {
            return promptTokens + completionTokens;
        }
    }

    /**
     * @param dir         where calls are stored, or null to keep nothing (tests)
     * @param tokenBudget tokens that new calls may spend in this process, or {@code Long.MAX_VALUE}
     */
    public CallCache(Path dir, long tokenBudget) {
        this.dir = dir;
        this.budget = new BudgetedChatModel.Budget(tokenBudget);
        if (dir != null) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new FileAccessException("Cannot create the call cache " + dir + ": " + e, dir, e);
            }
        }
    }

    /** A cache that stores nothing. */
    public static CallCache none() {
        return new CallCache(null, Long.MAX_VALUE);
    }

    /**
     * {@code model} as a role of this run: its calls recorded here (and answered from here when recorded before), new
     * calls spending from the run's token budget and counted in the run's usage ({@link Stats#usageByModel()}). That
     * is a {@link RecordingChatModel} over a {@link BudgetedChatModel} over a {@link UsageAccounting} that counts
     * into this cache's ledger; any other decorator (retries, endpoints) wraps {@code model} beneath them.
     *
     * @param role the role's name in the calls' keys (e.g. {@code "judge"}); the site is "" until
     *             {@link RecordingChatModel#at} says otherwise
     */
    public RecordingChatModel record(ChatModel model, String role) {
        return new RecordingChatModel(new BudgetedChatModel(new UsageAccounting(model, usage), budget), this, role,
                "");
    }

    /** The run's usage per model: what the models of {@link #record} were asked and spent in this process. */
    UsageAccounting.Ledger usage() {
        return usage;
    }

    /** The run's token budget, which the models of {@link #record} spend from. */
    BudgetedChatModel.Budget budget() {
        return budget;
    }

    /**
     * The recorded response for this call, or the response of {@code call}, recorded before it is returned.
     *
     * @param site where in the search the call is made; "" for a deterministic call
     */
    ChatModelResponse call(String role, String site, ChatModelRequest request,
                                  Supplier<ChatModelResponse> call) {
        ObjectNode key = Json.MAPPER.createObjectNode();
        key.put("role", role).put("site", site).set("request", Json.MAPPER.valueToTree(RecordedRequest.of(request)));
        String text = key.toString();
        String hash = sha256(text);
        CompletableFuture<ChatModelResponse> mine = new CompletableFuture<>();
        CompletableFuture<ChatModelResponse> existing = inFlight.putIfAbsent(hash, mine);
        if (existing != null) {
            reused.incrementAndGet();
            return join(existing);
        }
        try {
            ChatModelResponse stored = read(hash);
            if (stored == null) {
                Optional<String> legacy = Role.legacyName(role);
                if (legacy.isPresent()) {
                    ObjectNode old = key.deepCopy().put("role", legacy.get());
                    stored = read(sha256(old.toString()));
                }
            }
            if (stored != null) {
                reused.incrementAndGet();
                mine.complete(stored);
                return stored;
            }
            ChatModelResponse fresh = call.get();
            write(hash, key, fresh);
            made.incrementAndGet();
            madeByRole.computeIfAbsent(role, r -> new AtomicInteger()).incrementAndGet();
            mine.complete(fresh);
            return fresh;
        } catch (RuntimeException e) {
            inFlight.remove(hash);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    public Stats stats() {
        Map<String, Integer> byRole = new java.util.TreeMap<>();
        madeByRole.forEach((k, v) -> byRole.put(k, v.get()));
        UsageTally.Totals total = usage.total();
        return new Stats(made.get(), reused.get(), total.promptTokens(), total.completionTokens(), byRole,
                usage.byModel());
    }

    private static ChatModelResponse join(CompletableFuture<ChatModelResponse> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    private Path file(String hash) {
        return dir.resolve(hash.substring(0, 2)).resolve(hash + ".json");
    }

    private ChatModelResponse read(String hash) {
        if (dir == null) {
            return null;
        }
        Path f = file(hash);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(f.toFile()).get("response");
            List<String> choices = new ArrayList<>();
            n.get("choices").forEach(c -> choices.add(c.asText()));
            JsonNode u = n.get("usage");
            List<FinishReason> reasons = new ArrayList<>();
            JsonNode fr = n.get("finish_reasons"); // absent in records written before finish reasons were kept
            for (int i = 0; i < choices.size(); i++) {
                reasons.add(fr == null ? FinishReason.STOP : FinishReason.valueOf(fr.get(i).asText()));
            }
            return new ChatModelResponse(choices, new Usage(u.get("prompt_tokens").asInt(),
                    u.get("completion_tokens").asInt(), -1), reasons);
        } catch (IOException | RuntimeException e) {
            return null; // an unreadable record is made again
        }
    }

    private void write(String hash, ObjectNode key, ChatModelResponse response) {
        if (dir == null) {
            return;
        }
        ObjectNode record = key.deepCopy();
        ObjectNode r = record.putObject("response");
        ArrayNode choices = r.putArray("choices");
        response.texts().forEach(choices::add);
        ArrayNode reasons = r.putArray("finish_reasons");
        response.finishReasons().forEach(f -> reasons.add(f.name()));
        r.putObject("usage").put("prompt_tokens", response.usage().promptTokens())
                .put("completion_tokens", response.usage().completionTokens());
        Path f = file(hash);
        try {
            AtomicFiles.write(f, record.toString());
        } catch (FileAccessException e) {
            throw new FileAccessException("Cannot record a call in " + f + ": " + e.getCause(), f, e.getCause());
        }
    }

    static String sha256(String s) {
        return Digests.sha256Hex(s);
    }
}
