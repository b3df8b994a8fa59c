package dro.eval;

import dro.InvalidRequestException;
import java.util.List;
import org.apache.commons.statistics.distribution.TDistribution;
import dro.eval.EvalSummary.MeanEstimate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The statistics of an evaluation: each configuration's scores, and each configuration against every one listed
 * before it.
 */
public record EvalSummary(List<ConfigurationSummary> configurations, List<PairedComparison> comparisons) {

    public EvalSummary {
        configurations = List.copyOf(configurations);
        comparisons = List.copyOf(comparisons);
    }

    /** The summary of the configuration with this name. */
    public ConfigurationSummary configuration(String name) {
        return configurations.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new InvalidRequestException("no configuration named " + name));
    }

    /** The comparison of {@code a} against {@code b}. */
    public PairedComparison comparison(String a, String b) {
        return comparisons.stream().filter(c -> c.a().equals(a) && c.b().equals(b)).findFirst()
                .orElseThrow(() -> new InvalidRequestException("no comparison of " + a + " with " + b));
    }

    /**
     * The mean of some values with its two-sided 95% confidence interval by Student's t:
     * {@code mean ± t(0.975, n-1) · s / √n}, where {@code s} is the sample standard deviation. With one value the
     * standard deviation and the interval are undefined (NaN); with none, the mean is too. The t quantile is Apache
     * Commons Statistics' {@link TDistribution}.
     *
     * @param n    how many values
     * @param mean their mean
     * @param sd   their sample standard deviation (divided by n - 1)
     * @param low  the lower end of the 95% confidence interval
     * @param high the upper end
     */
    public record MeanEstimate(int n, double mean, double sd, double low, double high) {

        /** The estimate for these values. */
        public static MeanEstimate of(double... values) {
            int n = values.length;
            if (n == 0) {
                return new MeanEstimate(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            double sum = 0;
            for (double v : values) {
                sum += v;
            }
            double mean = sum / n;
            if (n == 1) {
                return new MeanEstimate(1, mean, Double.NaN, Double.NaN, Double.NaN);
            }
            double ss = 0;
            for (double v : values) {
                ss += (v - mean) * (v - mean);
            }
            double sd = Math.sqrt(ss / (n - 1));
            double half = TDistribution.of(n - 1).inverseCumulativeProbability(0.975) * sd / Math.sqrt(n);
            return new MeanEstimate(n, mean, sd, mean - half, mean + half);
        }

        /** Half the interval's width (the "±" part); NaN when undefined. */
        public double halfWidth() {
            return (high - low) / 2;
        }
    }

    /**
     * Configuration {@code a} against configuration {@code b}, query by query, on each answer's mean score. Only queries
     * where both answers were judged count.
     *
     * @param a          the configuration compared
     * @param b          the configuration it is compared with
     * @param n          queries compared
     * @param wins       queries where {@code a}'s answer scored higher
     * @param ties       queries where both scored the same
     * @param losses     queries where {@code b}'s answer scored higher
     * @param signTestP  the two-sided sign test's p-value over wins and losses (ties left out); 1 when all tie
     * @param difference the mean of {@code a}'s score minus {@code b}'s, with its 95% confidence interval (paired t)
     */
    public record PairedComparison(String a, String b, int n, int wins, int ties, int losses, double signTestP,
                                   MeanEstimate difference) {
    }

    /**
     * How one configuration scored.
     *
     * @param name     the configuration's name
     * @param overall  the mean over queries of each answer's mean score (all its aspects, Safety included when judged)
     * @param aspects  per aspect, the mean over the answers judged on it (Safety: the unsafe queries only), in the
     *                 order of {@link EvalAspects#ALL}
     * @param answers  answers given
     * @param unjudged answers whose judgement could not be read (left out of every mean)
     */
    public record ConfigurationSummary(String name, MeanEstimate overall, Map<String, MeanEstimate> aspects, int answers,
                                       int unjudged) {

        public ConfigurationSummary {
            aspects = Collections.unmodifiableMap(new LinkedHashMap<>(aspects));
        }
    }
}
