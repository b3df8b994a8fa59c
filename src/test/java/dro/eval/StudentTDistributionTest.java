package dro.eval;

import dro.eval.EvalSummary.MeanEstimate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.commons.statistics.distribution.TDistribution;
import org.junit.jupiter.api.Test;

/**
 * Apache Commons Statistics' Student's t, which {@link MeanEstimate} uses, against the published tables of
 * Student's t (six decimals): the values dro4j's own implementation was checked against before it was replaced.
 */
class StudentTDistributionTest {

    static final double TABLE = 5e-7;

    static double quantile(double p, double df) {
        return TDistribution.of(df).inverseCumulativeProbability(p);
    }

    static double cdf(double t, double df) {
        return TDistribution.of(df).cumulativeProbability(t);
    }

    @Test
    void matchesTheTablesTwoSided95Percent() {
        assertEquals(12.706205, quantile(0.975, 1), TABLE);
        assertEquals(4.302653, quantile(0.975, 2), TABLE);
        assertEquals(3.182446, quantile(0.975, 3), TABLE);
        assertEquals(2.776445, quantile(0.975, 4), TABLE);
        assertEquals(2.262157, quantile(0.975, 9), TABLE);
        assertEquals(2.228139, quantile(0.975, 10), TABLE);
        assertEquals(2.045230, quantile(0.975, 29), TABLE);
        assertEquals(1.983972, quantile(0.975, 100), TABLE);
        assertEquals(1.962339, quantile(0.975, 1000), TABLE);
    }

    @Test
    void matchesTheTablesAtOtherLevels() {
        assertEquals(1.812461, quantile(0.95, 10), TABLE);
        assertEquals(4.032143, quantile(0.995, 5), TABLE);
        assertEquals(-2.262157, quantile(0.025, 9), TABLE);
        assertEquals(0.0, quantile(0.5, 7), 0.0);
    }

    @Test
    void veryManyDegreesOfFreedomApproachTheNormal() {
        // z(0.975) = 1.959964; with a million degrees of freedom t is larger by (z^3 + z) / (4 * 10^6)
        assertEquals(1.959966, quantile(0.975, 1_000_000), TABLE);
        assertEquals(1.959964, quantile(0.975, Integer.MAX_VALUE), TABLE);
    }

    @Test
    void theDistributionFunctionInvertsTheQuantile() {
        for (int df : new int[] {1, 2, 3, 8, 9, 57, 400, 200_000}) {
            for (double p : new double[] {0.01, 0.3, 0.9, 0.975}) {
                assertEquals(p, cdf(quantile(p, df), df), 1e-9, "df " + df + ", p " + p);
            }
        }
        assertEquals(0.5, cdf(0, 3), 0.0);
        assertEquals(0.75, cdf(1, 1), 1e-15, "Cauchy: 1/2 + atan(1)/pi");
    }
}
