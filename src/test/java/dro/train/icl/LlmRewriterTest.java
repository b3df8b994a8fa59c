package dro.train.icl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dro.TokenStream;
import dro.Usage;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ModelCapabilities;
import dro.backend.ResponseFormat;
import dro.roles.AspectScore;
import dro.roles.CallCache;
import dro.roles.Evaluation;
import dro.roles.internal.LlmRoles;
import dro.train.run.ScriptedClients;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlmRewriterTest {

    @TempDir
    Path tmp;

    /** Replies from a queue and records the requests. */
    static final class Queue extends ChatModel {
        final Deque<String> replies;
        final List<ChatModelRequest> requests = new ArrayList<>();

        Queue(String... replies) {
            this.replies = new ArrayDeque<>(List.of(replies));
        }

        @Override
        public String modelName() {
            return "queue";
        }

        @Override
        public ModelCapabilities capabilities() {
            return ScriptedClients.ALL;
        }

        @Override
        protected TokenStream doStream(ChatModelRequest request) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }

        @Override
        protected ChatModelResponse doChat(ChatModelRequest request) {
            requests.add(request);
            return ScriptedClients.response(List.of(replies.removeFirst()), new Usage(1, 1, -1));
        }
    }

    static final Evaluation CRITIQUE = new Evaluation(Map.of("Clarity", new AspectScore("Too terse.", 2)));

    @Test
    void sendsTheAnswerAndTheCritiqueAndNormalisesTheMarkers() {
        Queue client = new Queue("```json\n{\"thought\": \"t\", \"new_response\": \"Rinse, then simmer.\"}\n```");
        Optional<String> r = new LlmRewriter(client, CallCache.none(), 0.7, 2)
                .rewrite("How do I cook rice?", "Boil it.", List.of("Clarity"), CRITIQUE, 1);

        assertEquals(Optional.of("<START>\nRinse, then simmer.\n<END>"), r);
        String prompt = client.requests.get(0).user();
        assertEquals(true, prompt.contains("Current answer:\nBoil it.\n"), prompt);
        assertEquals(true, prompt.contains("review (a score from 1 to 5 and a rationale for each aspect):\n"
                + LlmRoles.evaluationJson(CRITIQUE) + "\n"), prompt);
        assertEquals(true, prompt.contains("- Clarity: "), prompt);
        assertEquals(0.7, client.requests.get(0).temperature());
        assertEquals(true, client.requests.get(0).responseFormat().equals(ResponseFormat.JSON_OBJECT));
    }

    @Test
    void asksAgainWhenTheReplyCannotBeReadAndGivesUpAfterMaxReasks() {
        Queue client = new Queue("no json", "{\"new_response\": \"<START>\\n<END>\"}", "{\"thought\": \"x\"}");
        Optional<String> r = new LlmRewriter(client, CallCache.none(), 0.7, 2)
                .rewrite("q", "a", List.of("Clarity"), CRITIQUE, 1);

        assertEquals(Optional.empty(), r);
        assertEquals(3, client.requests.size());
        assertEquals(true, client.requests.get(1).user().endsWith("Reply again with only that JSON object."));
    }

    @Test
    void equalRequestsInAnotherRoundAreNewSamplesButRepeatsOfARoundAreCached() {
        CallCache calls = new CallCache(tmp.resolve("calls"), Long.MAX_VALUE);
        Queue client = new Queue("{\"new_response\": \"one\"}", "{\"new_response\": \"two\"}");
        LlmRewriter rewriter = new LlmRewriter(client, calls, 0.7, 0);

        assertEquals(Optional.of("<START>\none\n<END>"), rewriter.rewrite("q", "a", List.of("Clarity"), CRITIQUE, 1));
        assertEquals(Optional.of("<START>\ntwo\n<END>"), rewriter.rewrite("q", "a", List.of("Clarity"), CRITIQUE, 2));
        assertEquals(Optional.of("<START>\none\n<END>"), rewriter.rewrite("q", "a", List.of("Clarity"), CRITIQUE, 1));
        assertEquals(2, client.requests.size());
    }
}
