package dev.logitlens.core.aggregate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logitlens.core.lens.Answer;
import dev.logitlens.core.lens.LensResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Aggregates of three hand-built runs (2 layers, 1 position), against numbers worked out by hand. The t
 * quantile t(0.975, 2) = 4.302652729749464 is R's {@code qt(0.975, 2)}; the Wilson interval of 2 of 3 is
 * [0.2077, 0.9385] as printed in Brown, Cai and DasGupta (2001)-style tables.
 */
class AggregatesTest {
    static final double T2 = 4.302652729749464;

    /** One run: the top-1 per layer, the final top-1, entropy and KL per layer, the expected answer's numbers. */
    static LensResult run(int[] top1, int fin, float[] entropy, float[] kl, float[] p, int[] rank) {
        TreeMap<Integer, String> vocab = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            vocab.put(i, "t" + i);
        }
        return new LensResult(new int[] {0}, new String[] {"t0"}, new int[] {0, 1}, 1,
                new int[][][] {{{top1[0]}}, {{top1[1]}}}, new int[][] {{0, 1, 2}},
                new float[][][] {{{0.5f, 0.25f, 0.25f}, {0.5f, 0.25f, 0.25f}}}, vocab,
                new float[][] {{entropy[0]}, {entropy[1]}}, new float[][] {{kl[0]}, {kl[1]}}, new int[] {fin},
                new float[][] {{0.1f}, {0.2f}}, new int[][] {{1}, {1}},
                List.of(new Answer(Answer.EXPECT, "first-token", List.of(" t2"), new int[] {2}, p, rank)));
    }

    static List<RunData> runs() {
        return List.of(
                new RunData("m", "a", List.of("x"), run(new int[] {1, 2}, 2, new float[] {1, 0.5f},
                        new float[] {2, 0}, new float[] {0.125f, 0.75f}, new int[] {3, 1})),
                new RunData("m", "b", List.of("x", "y"), run(new int[] {2, 2}, 2, new float[] {2, 1},
                        new float[] {1, 0}, new float[] {0.375f, 0.875f}, new int[] {2, 1})),
                new RunData("m", "c", List.of(), run(new int[] {0, 0}, 0, new float[] {3, 1.5f},
                        new float[] {0.5f, 0}, new float[] {0.25f, 0.25f}, new int[] {5, 2})));
    }

    static Aggregates.Series find(List<Aggregates.Series> all, String tag, String measure) {
        return all.stream().filter(s -> s.tag().equals(tag) && s.measure().equals(measure)).findFirst().orElseThrow();
    }

    @Test
    void meansWithStudentTIntervals() {
        List<Aggregates.Series> all = Aggregates.compute(runs());
        Aggregates.Series p = find(all, Aggregates.ALL, "p(expect)");
        Interval.Estimate l0 = p.points().get(0).estimate();
        // 0.125, 0.375, 0.25: mean 0.25, s = 0.125, half-width t·s/√3 = 0.3105172…, low end clipped at 0
        assertEquals(0.25, l0.value(), 1e-12);
        assertEquals(0, l0.lo(), 0);
        assertEquals(0.5605172139687914, l0.hi(), 1e-12);
        assertEquals(3, l0.n());
        // 0.75, 0.875, 0.25: mean 0.625, s = 0.3307189…, interval clipped to [0, 1]
        Interval.Estimate l1 = p.points().get(1).estimate();
        assertEquals(0.625, l1.value(), 1e-12);
        assertEquals(0, l1.lo(), 0);
        assertEquals(1, l1.hi(), 0);
        assertEquals(0.5, p.points().get(0).depth(), 0);
        assertEquals(1.0, p.points().get(1).depth(), 0);

        // entropy at layer 0: 1, 2, 3 → mean 2, s = 1, [2 − t/√3, 2 + t/√3], the low end (−0.48) clipped at 0 nats
        Interval.Estimate h = find(all, Aggregates.ALL, Aggregates.ENTROPY).points().get(0).estimate();
        assertEquals(2, h.value(), 1e-12);
        assertEquals(0, h.lo(), 0);
        assertEquals(2 + T2 / Math.sqrt(3), h.hi(), 1e-12);
        // KL at layer 0: 2, 1, 0.5 → mean 7/6
        assertEquals(7.0 / 6, find(all, Aggregates.ALL, Aggregates.KL).points().get(0).estimate().value(), 1e-12);
    }

    @Test
    void proportionsMedianAndAccuracy() {
        List<Aggregates.Series> all = Aggregates.compute(runs());
        // top-1 is the final top-1 at layer 0 in runs b and c: 2 of 3
        Interval.Estimate f = find(all, Aggregates.ALL, Aggregates.TOP1_IS_FINAL).points().get(0).estimate();
        assertEquals(2.0 / 3, f.value(), 1e-12);
        assertEquals(0.2077, f.lo(), 1e-4);
        assertEquals(0.9385, f.hi(), 1e-4);
        assertEquals(1.0, find(all, Aggregates.ALL, Aggregates.TOP1_IS_FINAL).points().get(1).estimate().value(), 0);
        // ranks 3, 2, 5 at layer 0: median 3; three values are too few for 95%, so the whole range
        Interval.Estimate r = find(all, Aggregates.ALL, Aggregates.RANK_EXPECT).points().get(0).estimate();
        assertEquals(new Interval.Estimate(3, 2, 5, 3), r);
        // final top-1 expected in a and b, not c
        Aggregates.Series acc = find(all, Aggregates.ALL, Aggregates.FINAL_ACCURACY);
        assertEquals(-1, acc.points().get(0).layer());
        assertEquals(2.0 / 3, acc.points().get(0).estimate().value(), 1e-12);
    }

    @Test
    void tagsGroupTheirRunsAndOneRunHasNoInterval() {
        List<Aggregates.Series> all = Aggregates.compute(runs());
        assertEquals(List.of(Aggregates.ALL, "x", "y"), all.stream().map(Aggregates.Series::tag).distinct().toList());
        Interval.Estimate x = find(all, "x", "p(expect)").points().get(1).estimate(); // a, b: 0.75, 0.875
        assertEquals(0.8125, x.value(), 1e-12);
        assertEquals(2, x.n());
        Interval.Estimate y = find(all, "y", "p(expect)").points().get(0).estimate();
        assertEquals(0.375, y.value(), 1e-12);
        assertTrue(Double.isNaN(y.lo()) && Double.isNaN(y.hi()));
    }

    @Test
    void filesHoldTheSameRows() {
        List<Aggregates.Series> all = Aggregates.compute(runs());
        String csv = new String(AggregateFiles.csv(all), StandardCharsets.UTF_8);
        List<String> lines = csv.lines().toList();
        assertEquals(AggregateFiles.CSV_HEADER, lines.get(0));
        assertEquals("m,(all),p(expect),0,0.5,0.25,0,0.560517,3", lines.get(1));
        assertTrue(lines.contains("m,y,p(expect),0,0.5,0.375,,,1"), csv);
        assertTrue(lines.contains("m,(all),final_accuracy,,,0.666667,0.20766,0.938508,3"), csv);
        String json = new String(AggregateFiles.json(all), StandardCharsets.UTF_8);
        assertTrue(json.contains("{\"model\":\"m\",\"tag\":\"(all)\",\"measure\":\"p(expect)\",\"layer\":0,"
                + "\"depth\":0.5,\"mean\":0.25,\"lo\":0,\"hi\":0.560517,\"n\":3}"), json);
        assertEquals(lines.size() - 1, json.split("\"measure\":").length - 1);
    }
}
