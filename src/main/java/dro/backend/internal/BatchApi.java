package dro.backend.internal;

import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import java.util.List;
import java.util.Map;

/**
 * A provider's batch jobs, such as OpenAI's Batch API: many chat requests sent as one file, answered within hours at
 * a lower price. {@link Batches} drives it; an implementation only talks to the provider.
 *
 * <p>Implementations are thread-safe.
 */
public interface BatchApi {

    /**
     * One request of a batch.
     *
     * @param customId the line's id, unique within the batch; answers are matched by it
     */
    record Line(String customId, ChatModelRequest request) { }

    /**
     * A batch as the provider reports it.
     *
     * @param id        the batch's id
     * @param state     the provider's status, e.g. {@code validating}, {@code in_progress}, {@code completed},
     *                  {@code expired}
     * @param completed lines answered so far
     * @param failed    lines that failed so far
     * @param total     lines in the batch
     * @param terminal  whether the batch has ended (completed, failed, expired or cancelled): no more lines will be
     *                  answered
     */
    record Status(String id, String state, long completed, long failed, long total, boolean terminal) { }

    /**
     * The outcome of one line: its response, or why it failed.
     *
     * @param response the answer, or null when the line failed
     * @param error    why the line failed, or null
     */
    record Outcome(ChatModelResponse response, String error) {
        public boolean succeeded() {
            return response != null;
        }
    }

    /** The model the batches are for (a batch holds requests for one model). */
    String modelName();

    /** Uploads the lines and creates a batch of them; returns its id. */
    String submit(List<Line> lines);

    /** The batch's current status. */
    Status status(String batchId);

    /**
     * The outcomes of the batch's lines so far, by custom id: answered lines and failed ones. Lines that are missing
     * (a batch that expired or was cancelled part way) are not in the map.
     */
    Map<String, Outcome> outcomes(String batchId);
}
