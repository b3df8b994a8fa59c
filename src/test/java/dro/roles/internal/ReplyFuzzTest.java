package dro.roles.internal;

import dro.roles.AspectSelection;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.testing.Fuzz;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Model replies are untrusted text: the judge's, the aspect selector's, the optimiser's and the rewriter's replies are
 * read (a JSON object however wrapped, scores however spelt) or found unreadable, and nothing is thrown.
 */
class ReplyFuzzTest {

    private static final List<String> ASPECTS = List.copyOf(Aspects.all().keySet());

    @FuzzTest(maxDuration = "60s")
    void anyReplyIsReadOrFoundUnreadableWithoutAnException(byte[] data) {
        String reply = new String(data, StandardCharsets.UTF_8);
        Fuzz.onlyDeclared(() -> {
            Optional<ObjectNode> o = JsonReplies.object(reply);
            LlmRoles.LlmJudge.read(reply, ASPECTS).toString();
            o.flatMap(AspectCache::selection).ifPresent(AspectSelection::toString);
            o.map(x -> x.path("new_system_prompt").asText("")); // the optimiser's reply (LlmOptimizer)
            o.map(x -> x.path("new_response").asText("")); // the rewriter's reply (LlmRewriter)
            o.ifPresent(x -> x.fields().forEachRemaining(e -> JsonReplies.score(e.getValue())));
        });
    }
}
