package dro.eval;

import dro.internal.Validation;

/**
 * Student's t distribution with a whole number of degrees of freedom: its distribution function and quantiles,
 * exact to about 1e-12.
 *
 * <p>The probability that |T| &lt; t is the finite series of Abramowitz and Stegun (1964), formula 26.7.3, in
 * {@code θ = atan(t / √ν)}: for odd ν, {@code (2/π)(θ + sin θ (cos θ + 2/3 cos³θ + ... ))}; for even ν,
 * {@code sin θ (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + ...)}, each with terms up to {@code cos^(ν-2) θ}. Quantiles invert
 * it by bisection. Beyond 100 000 degrees of freedom the series grows long, and the normal distribution stands in:
 * for the distribution function as it is (the difference is below 3e-6), for quantiles corrected by the first two
 * terms of the expansion in 1/ν (Abramowitz and Stegun 26.7.5), which leaves an error below 1e-12.
 *
 * <p>Stateless and thread-safe.
 */
public final class StudentT {

    private static final int NORMAL_ABOVE = 100_000;

    private StudentT() { }

    /** P(T &le; t) for ν = {@code df} degrees of freedom. */
    public static double cdf(double t, int df) {
        Validation.ensurePositive(df, "df");
        if (Double.isNaN(t)) {
            return Double.NaN;
        }
        if (Double.isInfinite(t)) {
            return t > 0 ? 1 : 0;
        }
        double central = df > NORMAL_ABOVE ? erf(Math.abs(t) / Math.sqrt(2)) : central(Math.abs(t), df);
        return t >= 0 ? 0.5 + central / 2 : 0.5 - central / 2;
    }

    /**
     * The {@code p}-quantile: the t with P(T &le; t) = p; for example {@code quantile(0.975, 9)} = 2.2622 is the
     * factor of a two-sided 95% confidence interval over 10 values.
     */
    public static double quantile(double p, int df) {
        Validation.ensurePositive(df, "df");
        if (Double.isNaN(p) || p <= 0 || p >= 1) {
            throw new dro.InvalidRequestException("p must be between 0 and 1 (exclusive), but was " + p);
        }
        if (p == 0.5) {
            return 0;
        }
        double target = Math.abs(2 * p - 1); // P(|T| < t)
        double t = invert(target, df);
        return p > 0.5 ? t : -t;
    }

    /** The t &ge; 0 with P(|T| &lt; t) = target. */
    private static double invert(double target, int df) {
        if (df > NORMAL_ABOVE) {
            double z = bisect(target, x -> erf(x / Math.sqrt(2)));
            double z2 = z * z;
            return z + (z2 * z + z) / (4.0 * df) + (5 * z2 * z2 * z + 16 * z2 * z + 3 * z) / (96.0 * df * df);
        }
        return bisect(target, x -> central(x, df));
    }

    /** The x &ge; 0 where the increasing function f reaches target. */
    private static double bisect(double target, java.util.function.DoubleUnaryOperator f) {
        double lo = 0;
        double hi = 1;
        while (f.applyAsDouble(hi) < target) {
            lo = hi;
            hi *= 2;
        }
        for (int i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
            double mid = (lo + hi) / 2;
            if (f.applyAsDouble(mid) < target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** P(|T| &lt; t) for t &ge; 0: Abramowitz and Stegun 26.7.3. */
    static double central(double t, int df) {
        double theta = Math.atan(t / Math.sqrt(df));
        double c = Math.cos(theta);
        double s = Math.sin(theta);
        double c2 = c * c;
        if (df % 2 == 1) {
            if (df == 1) {
                return 2 * theta / Math.PI;
            }
            double term = c;
            double sum = c;
            for (int k = 3; k <= df - 2; k += 2) {
                term *= c2 * (k - 1) / k;
                sum += term;
            }
            return 2 / Math.PI * (theta + s * sum);
        }
        double term = 1;
        double sum = 1;
        for (int k = 2; k <= df - 2; k += 2) {
            term *= c2 * (k - 1) / k;
            sum += term;
        }
        return s * sum;
    }

    /** The error function, by its Taylor series for small x and its continued fraction beyond. */
    static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double term = ax;
            double sum = ax;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * sum; n++) {
                term *= -ax * ax / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated from the tail
            double f = ax;
            for (int n = 60; n >= 1; n--) {
                f = ax + (n / 2.0) / f;
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }
}
