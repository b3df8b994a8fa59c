package dro.eval;

import dro.eval.EvalSummary.ConfigurationSummary;

import dro.eval.EvalSummary.PairedComparison;

import dro.eval.EvalSummary.MeanEstimate;

import dro.InvalidRequestException;
import dro.roles.AspectScore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.statistics.inference.BinomialTest;

/**
 * Aggregates the judged answers of an evaluation: per configuration and aspect the mean with its 95% confidence
 * interval ({@link MeanEstimate}), and paired comparisons between configurations (wins, ties, losses per query on the
 * answers' mean scores, with a sign test and the mean difference). Pure functions.
 */
final class EvalStatistics {

    /** Mean scores closer than this are a tie. */
    static final double TIE = 1e-9;

    private EvalStatistics() { }

    /**
     * The summary of {@code answers} for these configurations, in this order. Each configuration is compared with
     * every configuration listed before it.
     */
    public static EvalSummary summarise(List<String> configurations, List<ScoredAnswer> answers) {
        Map<String, Map<String, ScoredAnswer>> byConfig = new LinkedHashMap<>();
        configurations.forEach(c -> byConfig.put(c, new LinkedHashMap<>()));
        for (ScoredAnswer a : answers) {
            Map<String, ScoredAnswer> m = byConfig.get(a.configuration());
            if (m == null) {
                throw new InvalidRequestException("an answer of unknown configuration " + a.configuration());
            }
            m.put(a.query().id(), a);
        }
        List<ConfigurationSummary> summaries = new ArrayList<>();
        for (String c : configurations) {
            summaries.add(summarise(c, byConfig.get(c).values()));
        }
        List<PairedComparison> comparisons = new ArrayList<>();
        for (int j = 1; j < configurations.size(); j++) {
            for (int i = 0; i < j; i++) {
                String a = configurations.get(j);
                String b = configurations.get(i);
                comparisons.add(compare(a, byConfig.get(a), b, byConfig.get(b)));
            }
        }
        return new EvalSummary(summaries, comparisons);
    }

    private static ConfigurationSummary summarise(String name, java.util.Collection<ScoredAnswer> answers) {
        List<Double> overall = new ArrayList<>();
        Map<String, List<Double>> perAspect = new LinkedHashMap<>();
        EvalAspects.ALL.forEach(a -> perAspect.put(a, new ArrayList<>()));
        int unjudged = 0;
        for (ScoredAnswer a : answers) {
            if (a.evaluation().isEmpty()) {
                unjudged++;
                continue;
            }
            overall.add(a.mean());
            for (Map.Entry<String, AspectScore> s : a.evaluation().scores().entrySet()) {
                perAspect.computeIfAbsent(s.getKey(), k -> new ArrayList<>()).add(s.getValue().score());
            }
        }
        Map<String, MeanEstimate> aspects = new LinkedHashMap<>();
        perAspect.forEach((a, v) -> {
            if (!v.isEmpty()) {
                aspects.put(a, MeanEstimate.of(toArray(v)));
            }
        });
        return new ConfigurationSummary(name, MeanEstimate.of(toArray(overall)), aspects, answers.size(), unjudged);
    }

    private static PairedComparison compare(String a, Map<String, ScoredAnswer> as, String b,
                                            Map<String, ScoredAnswer> bs) {
        int wins = 0;
        int ties = 0;
        int losses = 0;
        List<Double> diffs = new ArrayList<>();
        Map<String, ScoredAnswer> other = new HashMap<>(bs);
        for (Map.Entry<String, ScoredAnswer> e : as.entrySet()) {
            ScoredAnswer x = e.getValue();
            ScoredAnswer y = other.get(e.getKey());
            if (y == null || x.evaluation().isEmpty() || y.evaluation().isEmpty()) {
                continue;
            }
            double d = x.mean() - y.mean();
            diffs.add(d);
            if (d > TIE) {
                wins++;
            } else if (d < -TIE) {
                losses++;
            } else {
                ties++;
            }
        }
        return new PairedComparison(a, b, diffs.size(), wins, ties, losses, signTest(wins, losses),
                MeanEstimate.of(toArray(diffs)));
    }

    /**
     * The two-sided sign test's p-value: under no difference, wins and losses are Binomial(wins + losses, 1/2);
     * p = min(1, 2 · P(X &le; min(wins, losses))), Apache Commons Statistics' exact {@link BinomialTest}. 1 when
     * there are neither.
     */
    public static double signTest(int wins, int losses) {
        int n = wins + losses;
        if (n == 0) {
            return 1;
        }
        return BinomialTest.withDefaults().test(n, wins, 0.5).getPValue();
    }

    private static double[] toArray(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
