package dev.logitlens.core.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Interval pieces against published values (R's qt and pbinom). */
class IntervalTest {
    @Test
    void studentTQuantiles() {
        assertEquals(12.706204736174698, Interval.tQuantile975(1), 1e-9);
        assertEquals(4.302652729749464, Interval.tQuantile975(2), 1e-9);
        assertEquals(2.262157162798205, Interval.tQuantile975(9), 1e-9);
        assertEquals(2.042272456301238, Interval.tQuantile975(30), 1e-9);
        assertEquals(1.983971518523552, Interval.tQuantile975(100), 1e-9);
    }

    @Test
    void binomialAndMedianInterval() {
        assertEquals(11.0 / 1024, Interval.binomialHalfCdf(10, 1), 1e-15);
        assertEquals(56.0 / 1024, Interval.binomialHalfCdf(10, 2), 1e-15);
        double[] xs = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
        // n = 10: P(B ≤ 1) = 0.0107 ≤ 0.025 < P(B ≤ 2), so the interval is [x(2), x(9)]
        assertEquals(new Interval.Estimate(5.5, 2, 9, 10), Interval.median(xs));
    }

    @Test
    void wilsonOfNoneAndAll() {
        Interval.Estimate none = Interval.proportion(0, 10);   // [0, 0.2775]
        assertEquals(0, none.lo(), 0);
        assertEquals(0.2775, none.hi(), 1e-4);
        Interval.Estimate all = Interval.proportion(10, 10);  // [0.7225, 1]
        assertEquals(0.7225, all.lo(), 1e-4);
        assertEquals(1, all.hi(), 1e-12);
    }
}
