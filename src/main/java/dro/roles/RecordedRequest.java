package dro.roles;

import com.fasterxml.jackson.annotation.JsonInclude;
import dro.backend.ChatModelRequest;
import dro.backend.ResponseFormat;
import java.util.List;

/**
 * A role's request as {@link CallCache} keys and records it: the fields, their names and their order are the
 * on-disk format of recorded calls, so that runs recorded earlier resume.
 *
 * @param rawPrompt left out of the JSON when false, so recorded calls keep their keys
 */
record RecordedRequest(String system, String user, double temperature, double topP, int maxTokens, int n, Long seed,
                       boolean jsonMode, List<String> stop,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean rawPrompt) {

    static RecordedRequest of(ChatModelRequest r) {
        return new RecordedRequest(r.system(), r.user(), r.temperature(), r.topP(), r.maxNewTokens(), r.n(), r.seed(),
                r.responseFormat().type() == ResponseFormat.Type.JSON_OBJECT, r.stop(), r.rawPrompt());
    }
}
