package dev.logitlens.core.aggregate;

import java.util.Arrays;

/**
 * The 95% intervals of the summary (see "Aggregates" in {@code docs/site.md} for why these ones):
 * Student's t for means, Wilson's score interval for proportions, and the distribution-free
 * order-statistic interval for medians.
 */
public final class Interval {
    /** Two-sided 95%: the 0.975 quantile of the standard normal. */
    static final double Z975 = 1.959963984540054;

    /** A point estimate and its interval; lo and hi are NaN where no interval exists (n < 2 for a mean). */
    public record Estimate(double value, double lo, double hi, int n) {}

    private Interval() {}

    /** Mean ± t(0.975, n−1)·s/√n, clipped to [{@code min}, {@code max}], the range the measure can take. */
    public static Estimate mean(double[] xs, double min, double max) {
        int n = xs.length;
        double mean = Arrays.stream(xs).sum() / n;
        if (n < 2) {
            return new Estimate(mean, Double.NaN, Double.NaN, n);
        }
        double ss = 0;
        for (double x : xs) {
            ss += (x - mean) * (x - mean);
        }
        double half = tQuantile975(n - 1) * Math.sqrt(ss / (n - 1) / n);
        return new Estimate(mean, Math.max(min, mean - half), Math.min(max, mean + half), n);
    }

    /** Wilson's score interval of {@code k} successes in {@code n}. */
    public static Estimate proportion(int k, int n) {
        double p = (double) k / n;
        double z2 = Z975 * Z975;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z975 / (1 + z2 / n) * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return new Estimate(p, Math.max(0, centre - half), Math.min(1, centre + half), n);
    }

    /**
     * The median and the order statistics x(j) and x(n+1−j), with j the largest rank such that
     * P(Binomial(n, ½) ≤ j−1) ≤ 0.025: at least 95% coverage for any continuous distribution. Below six values
     * no such j exists and the interval is the whole range (its coverage is then 1 − 2·½ⁿ).
     */
    public static Estimate median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        int j = 1;
        while (j + 1 <= (n + 1) / 2 && binomialHalfCdf(n, j) <= 0.025) { // P(B ≤ (j+1)−1)
            j++;
        }
        return new Estimate(median, s[j - 1], s[n - j], n);
    }

    /** P(Binomial(n, ½) ≤ k), summed in log space so large n does not underflow. */
    static double binomialHalfCdf(int n, int k) {
        double logC = 0; // log C(n, 0)
        double sum = 0;
        double log2n = n * Math.log(2);
        for (int i = 0; i <= k; i++) {
            sum += Math.exp(logC - log2n);
            logC += Math.log(n - i) - Math.log(i + 1);
        }
        return sum;
    }

    /** The 0.975 quantile of Student's t with {@code df} degrees of freedom, by bisection on its CDF. */
    static double tQuantile975(int df) {
        double lo = 0;
        double hi = 64;
        while (tCdf(hi, df) < 0.975) {
            hi *= 2;
        }
        for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
            double mid = (lo + hi) / 2;
            if (tCdf(mid, df) < 0.975) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** P(T ≤ t) for t ≥ 0: 1 − ½·I_{df/(df+t²)}(df/2, ½). */
    static double tCdf(double t, int df) {
        return 1 - 0.5 * regularizedBeta(df / (df + t * t), df / 2.0, 0.5);
    }

    /** I_x(a, b) by its continued fraction (modified Lentz), using the symmetry for x past the mean. */
    static double regularizedBeta(double x, double a, double b) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        if (x > (a + 1) / (a + b + 2)) {
            return 1 - regularizedBeta(1 - x, b, a);
        }
        double front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x)) / a;
        double tiny = 1e-300;
        double f = 1;
        double c = 1;
        double d = 1 - (a + b) * x / (a + 1);
        d = Math.abs(d) < tiny ? tiny : d;
        d = 1 / d;
        f = d;
        for (int m = 1; m < 10_000; m++) {
            for (int half = 0; half < 2; half++) {
                double num = half == 0
                        ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                        : -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
                d = 1 + num * d;
                d = Math.abs(d) < tiny ? tiny : d;
                c = 1 + num / c;
                c = Math.abs(c) < tiny ? tiny : c;
                d = 1 / d;
                f *= c * d;
            }
            if (Math.abs(c * d - 1) < 1e-16) {
                break;
            }
        }
        return front * f;
    }

    /** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits). */
    static double logGamma(double x) {
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
                -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
                1.5056327351493116e-7};
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        x -= 1;
        double sum = c[0];
        for (int i = 1; i < 9; i++) {
            sum += c[i] / (x + i);
        }
        double t = x + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
