package dev.logitlens.core.reference;

import dev.logitlens.core.lens.LensResult;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks a collected {@link LensResult} against lens logits computed by a naive reference: top-k ids
 * exactly, probabilities within 1e-5 (float32 vs double over a few layers), metrics within 1e-4.
 */
public final class LensAssert {
    private LensAssert() {}

    /** @param lensLogits [L_model][T][V] reference logits of every block's lens (soft-cap applied) */
    public static void assertMatches(LensResult r, double[][][] lensLogits) {
        int lastLayer = lensLogits.length - 1;
        double[][] finalLogp = logSoftmax(lensLogits[lastLayer]);
        for (int pos = 0; pos < r.numPositions(); pos++) {
            int expectedTop1 = argmax(lensLogits[lastLayer][pos]);
            assertEquals(expectedTop1, r.finalTop1()[pos], "final top-1 at position " + pos);
        }
        for (int li = 0; li < r.numLayers(); li++) {
            int layer = r.layers()[li];
            double[][] logp = logSoftmax(lensLogits[layer]);
            for (int pos = 0; pos < r.numPositions(); pos++) {
                double[] lp = logp[pos];
                int[] expectedTopk = IntStream.range(0, lp.length).boxed()
                        .sorted(Comparator.comparingDouble((Integer i) -> -lp[i])).limit(r.k())
                        .mapToInt(Integer::intValue).toArray();
                assertArrayEquals(expectedTopk, r.topk()[li][pos], "top-k ids at layer " + layer + ", position " + pos);
                for (int j = 0; j < r.tracked()[pos].length; j++) {
                    int id = r.tracked()[pos][j];
                    assertEquals(Math.exp(lp[id]), r.probs()[pos][li][j], 1e-5,
                            "p(" + id + ") at layer " + layer + ", position " + pos);
                }
                double ent = 0;
                double kl = 0;
                for (int v = 0; v < lp.length; v++) {
                    ent -= Math.exp(lp[v]) * lp[v];
                    kl += Math.exp(finalLogp[pos][v]) * (finalLogp[pos][v] - lp[v]);
                }
                assertEquals(ent, r.entropy()[li][pos], 1e-4, "entropy at layer " + layer + ", position " + pos);
                assertEquals(kl, r.klToFinal()[li][pos], 1e-4, "KL at layer " + layer + ", position " + pos);
                int answer = r.finalTop1()[pos];
                assertEquals(Math.exp(lp[answer]), r.finalTop1Prob()[li][pos], 1e-5, "p(final top-1)");
                double a = lensLogits[layer][pos][answer];
                int rank = 1 + (int) Arrays.stream(lensLogits[layer][pos]).filter(x -> x > a).count();
                assertEquals(rank, r.finalTop1Rank()[li][pos], "rank of final top-1 at layer " + layer + ", position " + pos);
            }
        }
        for (int pos = 0; pos < r.numPositions(); pos++) {
            int[] t = r.tracked()[pos];
            for (int i = 1; i < t.length; i++) {
                assertTrue(t[i - 1] < t[i], "tracked ids sorted and unique");
            }
        }
    }

    public static double[][] logSoftmax(double[][] z) {
        double[][] out = new double[z.length][];
        for (int t = 0; t < z.length; t++) {
            double max = Arrays.stream(z[t]).max().orElseThrow();
            double s = 0;
            for (double v : z[t]) {
                s += Math.exp(v - max);
            }
            double lse = max + Math.log(s);
            out[t] = Arrays.stream(z[t]).map(v -> v - lse).toArray();
        }
        return out;
    }

    public static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
