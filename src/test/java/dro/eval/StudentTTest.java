package dro.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dro.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** Quantiles against the published tables of Student's t (six decimals). */
class StudentTTest {

    static final double TABLE = 5e-7;

    @Test
    void matchesTheTablesTwoSided95Percent() {
        assertEquals(12.706205, StudentT.quantile(0.975, 1), TABLE);
        assertEquals(4.302653, StudentT.quantile(0.975, 2), TABLE);
        assertEquals(3.182446, StudentT.quantile(0.975, 3), TABLE);
        assertEquals(2.776445, StudentT.quantile(0.975, 4), TABLE);
        assertEquals(2.262157, StudentT.quantile(0.975, 9), TABLE);
        assertEquals(2.228139, StudentT.quantile(0.975, 10), TABLE);
        assertEquals(2.045230, StudentT.quantile(0.975, 29), TABLE);
        assertEquals(1.983972, StudentT.quantile(0.975, 100), TABLE);
        assertEquals(1.962339, StudentT.quantile(0.975, 1000), TABLE);
    }

    @Test
    void matchesTheTablesAtOtherLevels() {
        assertEquals(1.812461, StudentT.quantile(0.95, 10), TABLE);
        assertEquals(4.032143, StudentT.quantile(0.995, 5), TABLE);
        assertEquals(-2.262157, StudentT.quantile(0.025, 9), TABLE);
        assertEquals(0.0, StudentT.quantile(0.5, 7), 0.0);
    }

    @Test
    void veryManyDegreesOfFreedomApproachTheNormal() {
        // z(0.975) = 1.959964; with a million degrees of freedom t is larger by (z^3 + z) / (4 * 10^6)
        assertEquals(1.959966, StudentT.quantile(0.975, 1_000_000), TABLE);
        assertEquals(1.959964, StudentT.quantile(0.975, Integer.MAX_VALUE), TABLE);
    }

    @Test
    void theDistributionFunctionInvertsTheQuantile() {
        for (int df : new int[] {1, 2, 3, 8, 9, 57, 400, 200_000}) {
            for (double p : new double[] {0.01, 0.3, 0.9, 0.975}) {
                // beyond 100 000 degrees of freedom the distribution function is the normal one (within 3e-6)
                assertEquals(p, StudentT.cdf(StudentT.quantile(p, df), df), df > 100_000 ? 3e-6 : 1e-9,
                        "df " + df + ", p " + p);
            }
        }
        assertEquals(0.5, StudentT.cdf(0, 3), 0.0);
        assertEquals(0.75, StudentT.cdf(1, 1), 1e-15, "Cauchy: 1/2 + atan(1)/pi");
    }

    @Test
    void rejectsImpossibleArguments() {
        assertEquals("p must be between 0 and 1 (exclusive), but was 1.0",
                assertThrows(InvalidRequestException.class, () -> StudentT.quantile(1.0, 3)).getMessage());
        assertEquals("df must be positive, but was 0",
                assertThrows(InvalidRequestException.class, () -> StudentT.quantile(0.9, 0)).getMessage());
    }
}
