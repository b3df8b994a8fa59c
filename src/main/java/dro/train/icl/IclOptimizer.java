package dro.train.icl;

import com.fasterxml.jackson.core.JsonProcessingException;
import dro.GenerationException;
import dro.InvalidRequestException;
import dro.backend.internal.Batches;
import dro.backend.ChatModel;
import dro.backend.RoutingChatModel;
import dro.internal.AtomicFiles;
import dro.internal.Json;
import dro.internal.Parallel;
import dro.internal.Validation;
import dro.roles.internal.AspectCache;
import dro.roles.CallCache;
import dro.roles.internal.LlmRoles;
import dro.roles.internal.Roles;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs DRO's ICL answer optimisation (Singla et al., EMNLP 2024; DRO-reference section 5) over a set of seeds and
 * writes the run directory:
 *
 * <ul>
 *   <li>{@code ICL_examples.json} (or {@link IclOptimizerConfig#iclFile()}): the kept answers in the original's
 *   shape, {@code {query: "<START>\n...\n<END>"}}, in seed order, ready for {@code AutoModel.Builder.iclFile};</li>
 *   <li>{@code calls/}: every model call, recorded as it completes; a rerun is answered from here and makes only the
 *   calls it has not made;</li>
 *   <li>{@code metrics_cache.json}: the critic's aspect selections, in the original's shape;</li>
 *   <li>{@code config.json}, {@code icl_trace.json} (every scored version of every answer), {@code result.json} and
 *   {@code report.html}.</li>
 * </ul>
 *
 * <p>Seeds are optimised concurrently (each seed's rewrites one after another); the result does not depend on the
 * concurrency. Seeds without an answer get one from the answer model first, written as {@code AutoModel} would
 * prompt it under {@link IclOptimizerConfig#answerSystemPrompt()}.
 */
public final class IclOptimizer {

    private static final Logger log = LoggerFactory.getLogger(IclOptimizer.class);

    /**
     * The model behind each role.
     *
     * @param critic   scores answers (and explains what to improve)
     * @param metrics  selects the critic's aspects
     * @param rewriter rewrites answers
     * @param answerer writes the initial answers of seeds that have none; may be null when every seed has one
     */
    public record Models(ChatModel critic, ChatModel metrics, ChatModel rewriter, ChatModel answerer) { }

    private final IclOptimizerConfig config;
    private final Models models;

    public IclOptimizer(IclOptimizerConfig config, Models models) {
        this.config = Validation.ensureNotNull(config, "config");
        this.models = Validation.ensureNotNull(models, "models");
    }

    /**
     * Refines every seed's answer. When the models are ones the CLI's {@code --batch} wrapped, the new calls go out
     * as batch jobs, round by round (the aspect selections and initial answers, each scoring round, each rewrite,
     * and the re-asks); the results are those of a direct run, and {@code result.json} records
     * {@code "batched": true} and the batch ids.
     */
    public IclResult run(List<IclSeed> seeds, IclListener listener) {
        Batches batches = Batches.of(models.critic(), models.metrics(), models.rewriter(), models.answerer());
        IclSeeds.check(seeds, "The seeds");
        if (models.answerer() == null) {
            seeds.stream().filter(IclSeed::needsAnswer).findFirst().ifPresent(s -> {
                throw new InvalidRequestException("Query " + Validation.quote(s.query()) + " has no initial answer;"
                        + " give an answer model to write it");
            });
        }
        Path dir = config.outDir();
        AtomicFiles.write(dir.resolve("config.json"), json(config.settings()));
        long t0 = System.nanoTime();
        CallCache calls = new CallCache(dir.resolve("calls"), config.tokenBudget());
        if (batches == null) {
            return runOnce(seeds, listener, calls, t0, null);
        }
        return batches.run(() -> runOnce(seeds, listener, calls, t0, batches));
    }

    private IclResult runOnce(List<IclSeed> seeds, IclListener listener, CallCache calls, long t0, Batches batches) {
        Path dir = config.outDir();
        CallCache.Stats before = calls.stats();
        AspectCache metrics = AspectCache.open(config.metricsCachePath());
        Roles.Metrics selector = new LlmRoles.LlmMetrics(models.metrics(), calls, metrics,
                config.maxReasks(), "critic_metrics", "critic_aspect_selection.txt", 3, 6);
        Roles.Judge critic = new LlmRoles.LlmJudge(models.critic(), calls, config.criticTemperature(),
                config.maxReasks(), "critic", "critic.txt");
        Rewriter rewriter = new LlmRewriter(models.rewriter(), calls, config.temperature(), config.maxReasks());
        Roles.Base answerer = models.answerer() == null ? null : new LlmRoles.LlmBase(models.answerer(), calls, null,
                1, 0.0, config.answerMaxTokens());
        AnswerRefiner refiner = new AnswerRefiner(selector, critic, rewriter, config.numIters());
        ExecutorService pool = Parallel.pool(Math.min(config.concurrency(), seeds.size()), "icl");
        AtomicInteger done = new AtomicInteger();
        try {
            List<RefinedAnswer> answers = Parallel.map(seeds.size(), i -> {
                IclSeed seed = seeds.get(i);
                String initial = seed.needsAnswer() ? write(answerer, seed.query()) : seed.answer();
                RefinedAnswer r = refiner.refine(seed.query(), initial);
                synchronized (listener) {
                    listener.onSeed(done.incrementAndGet(), seeds.size(), r, calls.stats());
                }
                return r;
            }, pool);
            CallCache.Stats now = calls.stats();
            CallCache.Stats stats = new CallCache.Stats(now.made(), Math.max(0, now.reused() - before.reused()
                    - before.made()), now.promptTokens(), now.completionTokens(), now.madeByRole(),
                    now.usageByModel());
            IclResult result = new IclResult(answers, config.iclFile(), stats, dir);
            writeOutputs(result, (System.nanoTime() - t0) / 1_000_000, batches);
            log.info("ICL optimisation done: {} examples in {}", answers.size(), config.iclFile());
            return result;
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    private String write(Roles.Base answerer, String query) {
        String answer = answerer.answer(config.answerSystemPrompt(), query, "").output();
        if (answer.isBlank()) {
            throw new GenerationException("The answer model wrote an empty answer to query " + Validation.quote(query)
                    + "; give this seed an initial answer", null, false);
        }
        return answer;
    }

    private void writeOutputs(IclResult result, long millis, Batches batches) {
        Path dir = result.runDir();
        Map<String, String> icl = new LinkedHashMap<>();
        result.answers().forEach(a -> icl.put(a.query(), a.answer()));
        AtomicFiles.write(result.iclFile(), json(icl) + "\n");
        AtomicFiles.write(dir.resolve("icl_trace.json"), json(IclRunFiles.trace(result.answers())));
        List<dro.backend.EndpointStats> endpoints = RoutingChatModel.endpointStats(models.critic(),
                models.metrics(), models.rewriter(), models.answerer());
        IclRunFiles.Result summary = new IclRunFiles.Result(result.answers().size(),
                mean(result.answers().stream().mapToDouble(a -> a.initial().score())),
                mean(result.answers().stream().mapToDouble(a -> a.kept().score())),
                result.answers().stream().mapToInt(RefinedAnswer::rewrites).sum(),
                result.answers().stream().filter(a -> a.stop() == RefinedAnswer.Stop.ALL_FIVES).count(),
                result.iclFile().toAbsolutePath().toString(), result.stats().made(), result.stats().reused(),
                result.stats().promptTokens(), result.stats().completionTokens(),
                result.stats().usageByModel(), millis, Instant.now().toString(),
                batches != null, batches == null ? List.of() : batches.batchIds(), config.settings(), endpoints);
        AtomicFiles.write(dir.resolve("result.json"), json(summary));
        AtomicFiles.write(dir.resolve("report.html"), IclReport.html(config, result, millis, endpoints));
    }

    private static double mean(java.util.stream.DoubleStream s) {
        return s.average().orElse(0);
    }

    private static String json(Object o) {
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
