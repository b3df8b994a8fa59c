package dro.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dro.InvalidRequestException;
import dro.backend.internal.Batches;
import dro.backend.ChatModel;
import dro.backend.RoutingChatModel;
import dro.icl.Embedder;
import dro.icl.IclExample;
import dro.icl.IclExamples;
import dro.icl.internal.IclRetriever;
import dro.icl.MiniLmEmbedder;
import dro.internal.AtomicFiles;
import dro.internal.Json;
import dro.internal.Parallel;
import dro.internal.Validation;
import dro.roles.CallCache;
import dro.roles.internal.LlmRoles;
import dro.roles.internal.Roles;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures alignment the way the DRO paper did (just-eval-instruct style): a model answers a query set under several
 * {@linkplain EvalConfiguration configurations} in one run, and a judge scores every answer from 1 to 5, with a
 * rationale, on helpfulness, clarity, factuality, depth and engagement, and on safety for unsafe queries. It writes
 * the run directory:
 *
 * <ul>
 *   <li>{@code calls/}: every model call, recorded as it completes; a rerun (after a kill, Ctrl-C or a spent budget,
 *   or with a configuration added) is answered from here and makes only the calls it has not made;</li>
 *   <li>{@code config.json}: the settings, configurations (with their system prompts) and query counts;</li>
 *   <li>{@code results.jsonl}: every answer with its scores, one JSON object a line;</li>
 *   <li>{@code summary.json}: per configuration and aspect the mean with its 95% confidence interval, and paired
 *   comparisons between configurations;</li>
 *   <li>{@code report.html}: the same as a self-contained page with a bar chart;</li>
 *   <li>{@code batches.json}: with {@link Batches} (the CLI's {@code --batch}), the batch jobs of the run.</li>
 * </ul>
 *
 * <p>The model answers as {@code AutoModel} would assemble the prompt: the configuration's system prompt, then the
 * top-k in-context examples by similarity, then DRO's user turn, stopping at {@code <END>}.
 */
public final class Evaluator {

    private static final Logger log = LoggerFactory.getLogger(Evaluator.class);

    /**
     * The models of an evaluation.
     *
     * @param model the model under evaluation
     * @param judge the judge
     */
    public record Models(ChatModel model, ChatModel judge) { }

    private final EvalSettings settings;
    private final Models models;
    private final List<IclExample> icl;
    private final Embedder embedder;

    /** With dro4j's own in-context examples and embedder. */
    public Evaluator(EvalSettings settings, Models models) {
        this(settings, models, IclExamples.bundled(), MiniLmEmbedder.INSTANCE);
    }

    /**
     * @param icl      the in-context examples configurations with {@code +icl} retrieve from
     * @param embedder the sentence embedder for retrieval
     */
    public Evaluator(EvalSettings settings, Models models, List<IclExample> icl, Embedder embedder) {
        this.settings = Validation.ensureNotNull(settings, "settings");
        this.models = Validation.ensureNotNull(models, "models");
        this.icl = List.copyOf(icl);
        this.embedder = embedder;
    }

    /**
     * Evaluates every configuration on every query. When the models are ones the CLI's {@code --batch} wrapped, the
     * new calls go out as batch jobs, phase by phase (the answers, then the judgements, then the re-asks); the
     * results are those of a direct run, and {@code summary.json} records {@code "batched": true} and the batch ids.
     */
    public EvalResult run(List<EvalQuery> queries, List<EvalConfiguration> configurations, EvalListener listener) {
        Batches batches = Batches.of(models.model(), models.judge());
        Validation.ensureNotEmpty(queries, "queries");
        Validation.ensureNotEmpty(configurations, "configurations");
        Set<String> names = new HashSet<>();
        configurations.forEach(c -> {
            if (!names.add(c.name())) {
                throw new InvalidRequestException("Two configurations are named \"" + c.name() + "\"");
            }
        });
        Set<String> ids = new HashSet<>();
        queries.forEach(q -> {
            if (!ids.add(q.id())) {
                throw new InvalidRequestException("Two queries have the id \"" + q.id() + "\"");
            }
        });
        Path dir = settings.outDir();
        AtomicFiles.write(dir.resolve("config.json"), json(config(queries, configurations)));
        long t0 = System.nanoTime();
        CallCache calls = new CallCache(dir.resolve("calls"), settings.tokenBudget());
        if (batches == null) {
            return runOnce(queries, configurations, listener, calls, t0, null);
        }
        return batches.run(() -> runOnce(queries, configurations, listener, calls, t0, batches));
    }

    /** One pass over every answer and judgement; with batches, a pass that defers a call ends by throwing. */
    private EvalResult runOnce(List<EvalQuery> queries, List<EvalConfiguration> configurations,
                               EvalListener listener, CallCache calls, long t0, Batches batches) {
        Path dir = settings.outDir();
        CallCache.Stats before = calls.stats();
        Roles.Judge judge = new LlmRoles.LlmJudge(models.judge(), calls, settings.judgeTemperature(),
                settings.maxReasks(), "eval_judge", "eval_judge.txt");
        IclRetriever retriever = configurations.stream().anyMatch(c -> c.iclK() > 0)
                ? new IclRetriever(icl, embedder) : null;
        Map<Integer, Roles.Base> policies = new ConcurrentHashMap<>();
        Answerer answerer = (c, q) -> policies.computeIfAbsent(c.iclK(), k -> new LlmRoles.LlmBase(models.model(),
                calls, k == 0 ? null : retriever, Math.max(1, k), settings.temperature(), settings.maxNewTokens()))
                .answer(c.systemPrompt(), q, "").output();
        int total = queries.size() * configurations.size();
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Parallel.pool(Math.min(settings.concurrency(), total), "eval");
        try {
            List<ScoredAnswer> answers = EvalLoop.run(queries, configurations, answerer, judge, pool,
                    a -> listener.onAnswer(done.incrementAndGet(), total, a, calls.stats()));
            EvalSummary summary = EvalStatistics.summarise(configurations.stream().map(EvalConfiguration::name)
                    .toList(), answers);
            EvalResult result = new EvalResult(configurations, answers, summary, sinceStart(calls.stats(), before),
                    dir);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            writeOutputs(result, queries, millis, batches);
            log.info("Evaluation done: {} answers judged; summary in {}", answers.size(), result.summaryFile());
            return result;
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    /**
     * The counts of a run as a direct run would have them, after the pass that started at {@code before}: calls made
     * in earlier passes (answered by batches) were served again from the records in this one, and count once, as
     * made.
     */
    static CallCache.Stats sinceStart(CallCache.Stats now, CallCache.Stats before) {
        int reused = Math.max(0, now.reused() - before.reused() - before.made());
        return new CallCache.Stats(now.made(), reused, now.promptTokens(), now.completionTokens(), now.madeByRole(),
                now.usageByModel());
    }

    private ObjectNode config(List<EvalQuery> queries, List<EvalConfiguration> configurations) {
        ObjectNode o = settings.toJson();
        o.put("queries", queries.size()).put("unsafe_queries", queries.stream().filter(EvalQuery::unsafe).count());
        ArrayNode cs = o.putArray("configurations");
        for (EvalConfiguration c : configurations) {
            cs.addObject().put("name", c.name()).put("source", c.source()).put("icl_k", c.iclK())
                    .put("system_prompt", c.systemPrompt());
        }
        return o;
    }

    private void writeOutputs(EvalResult result, List<EvalQuery> queries, long millis, Batches batches) {
        StringBuilder lines = new StringBuilder();
        for (ScoredAnswer a : result.answers()) {
            lines.append(resultLine(a)).append('\n');
        }
        AtomicFiles.write(result.resultsFile(), lines.toString());
        EvalSummary s = result.summary();
        List<dro.backend.EndpointStats> endpoints = RoutingChatModel.endpointStats(models.model(), models.judge());
        EvalRunFiles.Summary summary = new EvalRunFiles.Summary(
                s.configurations().stream().map(EvalRunFiles.Configuration::of).toList(),
                s.comparisons().stream().map(EvalRunFiles.Comparison::of).toList(), settings.model(),
                settings.judgeModel(), queries.size(), queries.stream().filter(EvalQuery::unsafe).count(),
                result.stats().made(), result.stats().reused(), result.stats().promptTokens(),
                result.stats().completionTokens(), result.stats().usageByModel(), millis,
                Instant.now().toString(), batches != null, batches == null ? List.of() : batches.batchIds(),
                endpoints);
        AtomicFiles.write(result.summaryFile(), json(summary));
        AtomicFiles.write(result.reportFile(), EvalReport.html(settings, result, queries, millis, endpoints));
    }

    /**
     * One line of {@code results.jsonl}: {@code {"configuration", "id", "query", "unsafe", "answer",
     * "scores": {aspect: {"rationale", "score"}}, "mean"}}, {@code mean} null when the answer was not judged.
     */
    static String resultLine(ScoredAnswer a) {
        return Json.compact(EvalRunFiles.ResultLine.of(a));
    }

    private static String json(Object o) {
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
