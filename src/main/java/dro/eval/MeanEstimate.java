package dro.eval;

import org.apache.commons.statistics.distribution.TDistribution;

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
