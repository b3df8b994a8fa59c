package dro.roles.internal;

import dro.roles.CallCache;
import dro.roles.AspectScore;
import dro.roles.Evaluation;
import dro.roles.internal.AspectCache;
import dro.roles.TrainFormat;
import dro.roles.internal.Roles;
import dro.roles.AspectSelection;
import dro.roles.Role;
import dro.roles.RecordingChatModel;
import dro.roles.internal.Aspects;
import dro.roles.internal.Seeds;
import dro.roles.internal.JsonReplies;
import dro.roles.internal.Reasker;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.GenerateOptions;
import dro.backend.ChatModel;
import dro.backend.ChatModelRequest;
import dro.backend.ChatModelResponse;
import dro.backend.ModelCapabilities.Capability;
import dro.icl.IclExample;
import dro.icl.internal.IclRetriever;
import dro.internal.Json;
import dro.prompt.internal.PromptAssembler;
import dro.prompt.internal.PromptTemplate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DRO roles played by language models behind {@link ChatModel}s, with their prompts from {@code prompts/}.
 * Every call goes through the run's {@link CallCache}, as a {@link RecordingChatModel} over the role's model
 * ({@link CallCache#record}), which also spends from the run's token budget. A reply that cannot be read is asked again, at most
 * {@code maxReasks} times, with a reminder of the expected shape; what stays unreadable is logged and handled as
 * the original did (an empty evaluation, fewer proposals), never a crash.
 *
 * <p>Sampling as the original's training: aspect selection and the judge at temperature 0 (the judge's is
 * configurable), top_p 1, at most 2048 new tokens; the optimiser at its temperature with top_p 0.95 and
 * {@code n_actions} samples; the base model as {@link LlmBase} says. Roles made with a seed send every call with the
 * seed {@link Seeds#derive} gives for the call's role and site; without one (evaluation, ICL optimisation) no seed.
 */
public final class LlmRoles {

    private static final Logger log = LoggerFactory.getLogger(LlmRoles.class);
    /** Appended to a prompt whose reply could not be read, when it is asked again. */
    public static final String REASK = Reasker.REASK;

    /** The base model's token cap per answer in training (the original's {@code max_tokens}). */
    public static final int BASE_MAX_TOKENS = 2048;
    /** The training judge's token cap per evaluation. */
    public static final int JUDGE_MAX_TOKENS = 2048;
    /** The training aspect selection's token cap per selection. */
    public static final int METRICS_MAX_TOKENS = 2048;
    /** The token cap of a variant aspect selection with its own prompt (the ICL critic's). */
    public static final int VARIANT_METRICS_MAX_TOKENS = 1024;

    /** Aspects used when the selector's reply stays unreadable. */
    static final List<String> FALLBACK_ASPECTS = List.of("Helpfulness", "Clarity", "Factuality", "Depth", "Safety");

    private LlmRoles() { }

    /** A role's asker: its prompt through the call cache, re-asked with a reminder ({@link Reasker}). */
    private static Reasker asker(ChatModel client, CallCache calls, String role, double temperature, double topP,
                                 int maxTokens, Long seed) {
        return new Reasker(client, calls, role, temperature, topP, maxTokens, seed);
    }

    /** The aspects as the prompts list them: {@code - Name: description}, one a line. */
    public static String aspectList(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String a : names) {
            sb.append(sb.length() == 0 ? "" : "\n").append("- ").append(a).append(": ").append(Aspects.all().get(a));
        }
        return sb.toString();
    }

    /**
     * Selects aspects per query, once per distinct query, through the persistent metrics cache. A selection with
     * fewer or more aspects than the bounds allow is asked again, like an unreadable one; if every reply names a
     * number of aspects outside the bounds, the last of them is used as it is (and cached), with a WARN, as the
     * original uses whatever its selector picked. Only when no reply can be read at all (or none names a known
     * aspect) are the queries judged on {@link #FALLBACK_ASPECTS}, with a WARN, and that is not cached.
     */
    public static final class LlmMetrics implements Roles.Metrics {
        private final Reasker asker;
        private final AspectCache cache;
        private final int maxReasks;
        private final String role;
        private final PromptTemplate template;
        private final int minAspects;
        private final int maxAspects;
        private final Map<String, CompletableFuture<AspectSelection>> inFlight = new ConcurrentHashMap<>();

        /** DRO's reward: {@code prompts/aspect_selection.txt}, 2 to 5 aspects, no seed. */
        public LlmMetrics(ChatModel client, CallCache calls, AspectCache cache, int maxReasks) {
            this(client, calls, cache, maxReasks, null);
        }

        /**
         * DRO's reward as training asks for it: {@code prompts/aspect_selection.txt}, 2 to 5 aspects, temperature 0,
         * top_p 1, at most 2048 new tokens.
         *
         * @param seed the run's seed, or null to send no seed
         */
        public LlmMetrics(ChatModel client, CallCache calls, AspectCache cache, int maxReasks, Long seed) {
            this(asker(client, calls, Role.METRICS.label(), 0.0, 1.0, METRICS_MAX_TOKENS, seed), cache, maxReasks,
                    "aspect_selection.txt", 2, 5);
        }

        /**
         * A variant with its own prompt, e.g. the ICL critic's stricter selection of 3 to 6 aspects.
         *
         * @param role           the role's name in the call cache
         * @param promptResource a prompt in {@code prompts/} with the placeholders {@code aspects} and {@code query},
         *                       asking for the {@code metrics_cache.json} shape
         */
        public LlmMetrics(ChatModel client, CallCache calls, AspectCache cache, int maxReasks, String role,
                              String promptResource, int minAspects, int maxAspects) {
            this(asker(client, calls, role, 0.0, 1.0, VARIANT_METRICS_MAX_TOKENS, null), cache, maxReasks, promptResource, minAspects,
                    maxAspects);
        }

        private LlmMetrics(Reasker asker, AspectCache cache, int maxReasks, String promptResource, int minAspects,
                               int maxAspects) {
            this.asker = asker;
            this.cache = cache;
            this.maxReasks = maxReasks;
            this.role = asker.role();
            this.template = PromptTemplate.resource(promptResource);
            this.minAspects = minAspects;
            this.maxAspects = maxAspects;
        }

        @Override
        public AspectSelection select(String query, String site) {
            Optional<AspectSelection> cached = cache.get(query);
            if (cached.isPresent()) {
                return cached.get();
            }
            CompletableFuture<AspectSelection> mine = new CompletableFuture<>();
            CompletableFuture<AspectSelection> other = inFlight.putIfAbsent(query, mine);
            if (other != null) {
                return other.join();
            }
            try {
                AspectSelection s = ask(query);
                mine.complete(s);
                return s;
            } catch (RuntimeException e) {
                inFlight.remove(query);
                mine.completeExceptionally(e);
                throw e;
            }
        }

        private AspectSelection ask(String query) {
            String prompt = template.render(Map.of("aspects", aspectList(new ArrayList<>(Aspects.all().keySet())),
                    "query", query));
            AspectSelection outside = null;
            for (int attempt = 0; attempt <= maxReasks; attempt++) {
                ChatModelResponse r = asker.ask("", prompt, attempt, 1);
                Optional<AspectSelection> s = JsonReplies.object(r.text()).flatMap(AspectCache::selection);
                if (s.isPresent() && s.get().aspects().size() >= minAspects && s.get().aspects().size() <= maxAspects) {
                    cache.put(query, s.get());
                    return s.get();
                }
                if (s.isPresent()) {
                    outside = s.get();
                }
            }
            if (outside != null) {
                log.warn("The {} selected {} aspect(s) {} for query {}, outside {} to {}, after {} re-asks; using them"
                        + " as they are", role, outside.aspects().size(), outside.aspects(),
                        dro.internal.Validation.quote(query), minAspects, maxAspects, maxReasks);
                cache.put(query, outside);
                return outside;
            }
            log.warn("The metrics model's reply for query {} stayed unreadable after {} re-asks; judging it on {}",
                    dro.internal.Validation.quote(query), maxReasks, FALLBACK_ASPECTS);
            ObjectNode raw = Json.MAPPER.createObjectNode();
            raw.putObject("query_analysis");
            ObjectNode sel = raw.putObject("aspects_selection");
            sel.put("reasoning", "fallback: the selector's reply could not be read");
            FALLBACK_ASPECTS.forEach(sel.putArray("selected_aspects")::add);
            return new AspectSelection(FALLBACK_ASPECTS, "fallback", raw); // not cached: a later run asks again
        }
    }

    /** The judge ({@link Role#JUDGE}): scores answers on the selected aspects. */
    public static final class LlmJudge implements Roles.Judge {
        private final Reasker asker;
        private final int maxReasks;
        private final String role;
        private final PromptTemplate template;

        /** DRO's training judge, {@code prompts/judge.txt}, no seed. */
        public LlmJudge(ChatModel client, CallCache calls, double temperature, int maxReasks) {
            this(client, calls, temperature, maxReasks, null);
        }

        /**
         * DRO's training judge, {@code prompts/judge.txt}: top_p 1, at most 2048 new tokens.
         *
         * @param seed the run's seed, or null to send no seed
         */
        public LlmJudge(ChatModel client, CallCache calls, double temperature, int maxReasks, Long seed) {
            this(asker(client, calls, Role.JUDGE.label(), temperature, 1.0, JUDGE_MAX_TOKENS, seed), maxReasks,
                    "judge.txt");
        }

        /**
         * A judge with its own prompt, e.g. the ICL critic or the evaluation judge.
         *
         * @param role           the role's name in the call cache
         * @param promptResource a prompt in {@code prompts/} with the placeholders {@code aspects},
         *                       {@code aspect_names}, {@code query} and {@code output}, asking for
         *                       {@code {aspect: {"rationale": ..., "score": ...}}}
         */
        public LlmJudge(ChatModel client, CallCache calls, double temperature, int maxReasks, String role,
                     String promptResource) {
            this(asker(client, calls, role, temperature, 1.0, JUDGE_MAX_TOKENS, null), maxReasks, promptResource);
        }

        private LlmJudge(Reasker asker, int maxReasks, String promptResource) {
            this.asker = asker;
            this.maxReasks = maxReasks;
            this.role = asker.role();
            this.template = PromptTemplate.resource(promptResource);
        }

        @Override
        public Evaluation evaluate(String query, String output, List<String> aspects, String site) {
            String prompt = template.render(Map.of("aspects", aspectList(aspects), "aspect_names",
                    String.join(", ", aspects), "query", query, "output", output));
            Evaluation best = Evaluation.EMPTY;
            for (int attempt = 0; attempt <= maxReasks; attempt++) {
                ChatModelResponse r = asker.ask(site, prompt, attempt, 1);
                Evaluation e = read(r.text(), aspects);
                if (e.scores().size() > best.scores().size()) {
                    best = e;
                }
                if (best.scores().size() == aspects.size()) {
                    return best;
                }
            }
            if (best.isEmpty()) {
                log.warn("The {}'s reply for query {} stayed unreadable after {} re-asks: empty evaluation"
                        + " (reward 0)", role, dro.internal.Validation.quote(query), maxReasks);
            }
            return best;
        }

        /** The scores of the requested aspects found in a reply, in the requested order. */
        static Evaluation read(String reply, List<String> aspects) {
            Optional<ObjectNode> obj = JsonReplies.object(reply);
            if (obj.isEmpty()) {
                return Evaluation.EMPTY;
            }
            Map<String, JsonNode> byAspect = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = obj.get().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                Aspects.canonical(f.getKey()).ifPresent(a -> byAspect.putIfAbsent(a, f.getValue()));
            }
            Map<String, AspectScore> scores = new LinkedHashMap<>();
            for (String a : aspects) {
                JsonNode v = byAspect.get(a);
                if (v == null) {
                    continue;
                }
                Optional<Double> score = JsonReplies.score(v.isObject() ? v.get("score") : v);
                score.ifPresent(s -> scores.put(a, new AspectScore(v.path("rationale").asText(""), s)));
            }
            return new Evaluation(scores);
        }
    }

    /** An evaluation as the judges write it: {@code {aspect: {"rationale": ..., "score": ...}}}. */
    public static String evaluationJson(Evaluation e) {
        try {
            return Json.MAPPER.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The base model ({@link Role#BASE}), the model under training. In {@link TrainFormat#INFERENCE} it answers as
     * {@link dro.AutoModel} would: the system prompt plus the top-k in-context examples, the DRO user turn, rendered
     * with the model's chat template (an empty system prompt sends the examples alone, or no system message at all). In {@link TrainFormat#ORIGINAL} it is
     * prompted as the original's training prompts it ({@link PromptAssembler#trainingSystem}, the same user turn): a
     * client that {@linkplain Capability#RAW_PROMPT takes raw prompts} (a local model) reads
     * {@code system + user} as one text with no chat template, others get one system and one user message.
     *
     * <p>The examples are the top k retrieved for the query, or, without a retriever ({@code ret_icl} off), the given
     * fixed examples. The trace's ICL is the examples' text as sent (the training form in {@code ORIGINAL}, the
     * appended blocks in {@code INFERENCE}).
     */
    public static final class LlmBase implements Roles.Base {
        private final ChatModel client;
        private final CallCache calls;
        private final IclRetriever retriever;
        private final List<IclExample> fixed;
        private final int k;
        private final double temperature;
        private final int maxTokens;
        private final TrainFormat format;
        private final Long seed;

        /** @param retriever the examples to retrieve from, or null for none */
        public LlmBase(ChatModel client, CallCache calls, IclRetriever retriever, int k) {
            this(client, calls, retriever, k, 0.0, BASE_MAX_TOKENS);
        }

        /** With other sampling settings (evaluation answers with the settings it is asked to), inference format. */
        public LlmBase(ChatModel client, CallCache calls, IclRetriever retriever, int k, double temperature,
                      int maxTokens) {
            this(client, calls, retriever, List.of(), k, temperature, maxTokens, TrainFormat.INFERENCE, null);
        }

        /**
         * The model under training as the search prompts it: temperature 0, top_p 1, at most 2048 new tokens, the
         * stops {@code <END>}, {@code <END}, {@code <|eot_id|>}.
         *
         * @param retriever the examples to retrieve from, or null to give {@code fixed} instead ({@code ret_icl} off)
         * @param fixed     the examples given when there is no retriever (the first k of the ICL file)
         * @param format    the prompt format
         * @param seed      the run's seed, or null to send no seed
         */
        public LlmBase(ChatModel client, CallCache calls, IclRetriever retriever, List<IclExample> fixed, int k,
                      TrainFormat format, Long seed) {
            this(client, calls, retriever, fixed, k, 0.0, BASE_MAX_TOKENS, format, seed);
        }

        private LlmBase(ChatModel client, CallCache calls, IclRetriever retriever, List<IclExample> fixed, int k,
                       double temperature, int maxTokens, TrainFormat format, Long seed) {
            this.client = client;
            this.calls = calls;
            this.retriever = retriever;
            this.fixed = List.copyOf(fixed);
            this.k = k;
            this.temperature = temperature;
            this.maxTokens = maxTokens;
            this.format = format;
            this.seed = seed;
        }

        @Override
        public Roles.Answer answer(String systemPrompt, String query, String site) {
            List<IclExample> examples = retriever == null ? fixed
                    : retriever.topK(query, k).stream().map(IclRetriever.Scored::example).collect(Collectors.toList());
            Long callSeed = seed == null ? null : Seeds.derive(seed, Role.seedName(Role.BASE.label()), "");
            String system;
            String icl;
            boolean raw = false;
            if (format == TrainFormat.ORIGINAL) {
                system = PromptAssembler.trainingSystem(systemPrompt, examples);
                icl = PromptAssembler.trainingIcl(examples);
                raw = client.capabilities().supports(Capability.RAW_PROMPT);
            } else {
                system = PromptAssembler.system(systemPrompt, examples);
                if (systemPrompt.isEmpty()) {
                    system = system.strip();
                }
                icl = system.substring(systemPrompt.length());
            }
            ChatModelRequest req = ChatModelRequest.builder(system, PromptAssembler.user(query))
                    .temperature(temperature).maxNewTokens(maxTokens).seed(callSeed).stop(GenerateOptions.DEFAULT_STOP)
                    .rawPrompt(raw).build();
            ChatModelResponse r = calls.record(client, Role.BASE.label()).chat(req);
            return new Roles.Answer(icl, PromptAssembler.answer(r.text()));
        }
    }
}
