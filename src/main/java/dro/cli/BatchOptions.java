package dro.cli;

import dro.InvalidRequestException;
import dro.backend.internal.BatchApi;
import dro.backend.internal.Batches;
import dro.backend.ChatModel;
import dro.backend.ForwardingChatModel;
import dro.backend.RetryPolicy;
import dro.backend.openai.OpenAiBackend;
import dro.backend.openai.OpenAiBatchApi;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * {@code --batch} and {@code --batch-poll} of the commands that can send their calls as batch jobs (eval,
 * optimize-icl). Only API models are batched; local models answer directly, as without {@code --batch}.
 */
final class BatchOptions {

    /** The ledger of a run's batches, in its run directory. */
    static final String LEDGER = "batches.json";

    @Option(names = "--batch", description = {"Send the API models' calls as OpenAI Batch API jobs (half the price,"
            + " answered within 24 hours), one per phase and model, to the endpoint of OPENAI_BASE_URL (not with"
            + " --endpoints); local models answer directly. The batch ids are kept in <out-dir>/" + LEDGER + ": run"
            + " the same command again to resume polling."})
    boolean batch;

    @Option(names = "--batch-poll", paramLabel = "SECONDS", defaultValue = "30", description = "With --batch: seconds"
            + " between two polls of a running batch (default: ${DEFAULT-VALUE}).")
    double pollSeconds;

    /**
     * With {@code --batch}: checks, before any model is loaded, that some role of the run is an API model.
     *
     * @param roles each role's option and model, e.g. {@code "--judge-model"} to {@code "gpt-4o"}; null models are
     *              roles the run does not use
     * @param run the run's options: {@code --endpoints} does not go with {@code --batch}
     * @throws InvalidRequestException if every model is local, or the run has {@code --endpoints}
     */
    void checkApiRole(java.util.Map<String, String> roles, RunOptions run) {
        if (!batch) {
            return;
        }
        if (run.endpointsFile != null) {
            throw new InvalidRequestException("--batch and --endpoints " + run.endpointsFile + " do not go together:"
                    + " batch jobs go to the single endpoint of OPENAI_BASE_URL; leave one of them out");
        }
        List<String> local = new ArrayList<>();
        for (java.util.Map.Entry<String, String> r : roles.entrySet()) {
            if (r.getValue() == null) {
                continue;
            }
            if (!RoleModels.isLocal(r.getValue())) {
                return;
            }
            local.add(r.getKey() + " " + r.getValue());
        }
        throw new InvalidRequestException("--batch sends the calls of API models as batch jobs, but every model of"
                + " this run is local (" + String.join(", ", local) + "); leave --batch out");
    }

    /**
     * The run's batches, or null without {@code --batch}.
     *
     * @param quiet no progress lines
     */
    Batches open(Path runDir, PrintWriter err, boolean quiet) {
        if (!batch) {
            return null;
        }
        if (Double.isNaN(pollSeconds) || pollSeconds < 0 || pollSeconds > 86_400) {
            throw new InvalidRequestException("--batch-poll must be between 0 and 86400 seconds, but was "
                    + pollSeconds);
        }
        return new Batches(runDir.resolve(LEDGER), Duration.ofMillis(Math.round(pollSeconds * 1000)),
                quiet ? Batches.Listener.NONE : new Batches.Listener() {
                    @Override
                    public void onStatus(BatchApi.Status status) {
                        err.printf(Locale.ROOT, "batch %s: %s, %d/%d done, %d failed%n", status.id(), status.state(),
                                status.completed(), status.total(), status.failed());
                        err.flush();
                    }

                    @Override
                    public void onSubmitted(String batchId, String model, int requests) {
                        err.printf(Locale.ROOT, "batch %s: submitted, %d request%s for %s%n", batchId, requests,
                                requests == 1 ? "" : "s", model);
                        err.flush();
                    }
                });
    }

    /**
     * The role models of a run, each API model wrapped to send its calls through {@code batches}; unchanged without
     * batches.
     *
     * @param roles pairs of the role's option (e.g. {@code "--judge-model"}) and its model, for the error message
     * @throws InvalidRequestException if no model of the run is on an OpenAI-compatible endpoint
     */
    static List<ChatModel> wrap(Batches batches, List<ChatModel> models, List<String> roles) {
        if (batches == null) {
            return models;
        }
        List<ChatModel> out = new ArrayList<>(models.size());
        boolean any = false;
        for (ChatModel m : models) {
            Optional<BatchApi> api = m == null ? Optional.empty() : batchApi(m);
            any |= api.isPresent();
            out.add(api.isPresent() ? batches.wrap(m, api.get()) : m);
        }
        if (!any) {
            throw new InvalidRequestException("--batch sends the calls of models on an OpenAI-compatible endpoint as"
                    + " batch jobs, but no model of this run is one (" + String.join(", ", roles) + "); leave --batch"
                    + " out");
        }
        return out;
    }

    /** The Batch API of an OpenAI-compatible model, found under its decorators. */
    static Optional<BatchApi> batchApi(ChatModel model) {
        ChatModel m = model;
        while (m instanceof ForwardingChatModel f) {
            m = f.delegate();
        }
        return m instanceof OpenAiBackend b ? Optional.of(OpenAiBatchApi.of(b, RetryPolicy.DEFAULT))
                : Optional.empty();
    }
}
