package dro.train.run;

import dro.FinishReason;
import dro.TokenStream;
import dro.Usage;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ModelCapabilities;
import dro.backend.ModelCapabilities.Capability;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * In-process model roles for trainer tests. Prompts are path names: the optimiser turns prompt {@code P} into
 * {@code P.0 .. P.(n-1)}; the policy answers {@code ans(<prompt>)}; the judge scores an answer by its prompt's name
 * with a given function.
 */
public final class ScriptedClients {

    /** What a scripted model takes: what an API model takes (no raw prompts), with any number of stop strings. */
    public static final ModelCapabilities ALL = ModelCapabilities.of(Capability.NATIVE_N, Capability.JSON_OBJECT,
            Capability.JSON_SCHEMA, Capability.SEED, Capability.MULTI_TURN);

    /** Replies that each ended by themselves. */
    public static ChatModelResponse response(List<String> texts, Usage usage) {
        return new ChatModelResponse(texts, usage, texts.stream().map(t -> FinishReason.STOP).toList());
    }

    static final Pattern ANSWER = Pattern.compile("ans\\(([^)]*)\\)");
    static final Pattern CURRENT = Pattern.compile("Current system prompt:\\n(.*?)\\n\\n", Pattern.DOTALL);

    /** A client answering by a function of the request, counting calls; it can be told to fail after N calls. */
    public static final class Client extends ChatModel {
        final String name;
        final Function<ChatModelRequest, List<String>> answer;
        public final AtomicInteger calls = new AtomicInteger();
        public final List<ChatModelRequest> requests = Collections.synchronizedList(new ArrayList<>());
        volatile int failAfter = Integer.MAX_VALUE;

        Client(String name, Function<ChatModelRequest, List<String>> answer) {
            this.name = name;
            this.answer = answer;
        }

        @Override
        public String modelName() {
            return name;
        }

        @Override
        public ModelCapabilities capabilities() {
            return ALL;
        }

        @Override
        protected TokenStream doStream(ChatModelRequest request) {
            throw new UnsupportedOperationException("the scripted roles answer whole replies");
        }

        @Override
        public void close() {
        }

        @Override
        protected ChatModelResponse doChat(ChatModelRequest request) {
            if (calls.get() >= failAfter) {
                throw new IllegalStateException("simulated crash after " + failAfter + " calls");
            }
            calls.incrementAndGet();
            requests.add(request);
            return response(answer.apply(request), new Usage(10, 5 * request.n(), -1));
        }
    }

    public final Client policy = new Client("policy", r -> List.of("ans(" + promptLine(r.system()) + ")<END>"));

    /** The first line of the prompt inside a base model's system text (after the training form's header). */
    static String promptLine(String system) {
        String s = system.startsWith("# instructions\n\n") ? system.substring("# instructions\n\n".length()) : system;
        return s.lines().findFirst().orElse("");
    }
    public final Client selector = new Client("selector", r -> List.of("{\"query_analysis\": {\"main_topic\": \"t\"},"
            + " \"aspects_selection\": {\"reasoning\": \"r\", \"selected_aspects\": [\"Helpfulness\", \"Clarity\"]}}"));
    public final Client optimizer;
    public final Client judge;

    public ScriptedClients(Function<String, String> judgeReply) {
        this.optimizer = new Client("optimizer", r -> {
            Matcher m = CURRENT.matcher(r.user());
            String current = m.find() ? m.group(1) : "?";
            List<String> out = new ArrayList<>();
            for (int i = 0; i < r.n(); i++) {
                out.add("Here you go: {\"analysis\": \"a\", \"thought\": \"t\", \"new_system_prompt\": \"" + current + "."
                        + i + "\"}");
            }
            return out;
        });
        this.judge = new Client("judge", r -> {
            Matcher m = ANSWER.matcher(r.user());
            return List.of(judgeReply.apply(m.find() ? m.group(1) : ""));
        });
    }

    /** Judge replies scoring both aspects with {@code score}. */
    public static String scores(double score) {
        return "{\"Helpfulness\": {\"rationale\": \"h\", \"score\": " + score + "}, \"Clarity\": {\"rationale\": \"c\","
                + " \"score\": \"" + score + "/5\"}}";
    }

    DroTrainer.Models models() {
        return new DroTrainer.Models(policy, judge, selector, optimizer);
    }

    int totalCalls() {
        return policy.calls.get() + judge.calls.get() + selector.calls.get() + optimizer.calls.get();
    }
}
