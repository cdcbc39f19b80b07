package dev.logitlens.core.lens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.model.Unembedding;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tiled statistics against a straightforward double-precision computation over whole rows. Inputs are small
 * multiples of 1/2, so every logit is exact in float32: ties are real ties and ranks are exact.
 */
class FusedLensTest {
    static final int V = 53, D = 6, N = 5, LAYERS = 3, K = 4;

    @Test
    void tiledStatisticsEqualWholeRows() {
        check(0f, false, 7, 4, 2, true);
    }

    /** The path an accelerator takes (device top-k and comparisons instead of a heap scan), on the CPU. */
    @Test
    void deviceOperationsEqualWholeRows() {
        check(0f, false, 7, 4, 2, false);
        check(2.5f, true, 64, 512, 1, false);
    }

    @Test
    void softcapBiasAndOneTile() {
        check(2.5f, true, 64, 512, 1, true);
    }

    /**
     * Logits 16 times larger (still exact): within a tile they lie up to about 290 apart, so most exponentials
     * relative to the tile's max underflow to zero or to denormals, on both paths.
     */
    @Test
    void widelySpreadLogitsEqualWholeRows() {
        check(0f, true, 7, 4, 2, true, 16f);
        check(0f, true, 7, 4, 2, false, 16f);
    }

    @Test
    void tilesOfOneColumnOnOneWorker() {
        check(0f, true, 1, 3, 1, true);
    }

    @Test
    void aRowsNumbersDoNotDependOnTheRowsBesideIt() {
        rowInvariance(0f, true);
        rowInvariance(0f, false);
    }

    @Test
    void aRowsNumbersDoNotDependOnTheRowsBesideItSoftcapped() {
        rowInvariance(30f, true);
        rowInvariance(30f, false);
    }

    /**
     * Random (inexact) inputs, a vocabulary of 1000 in tiles of 96: each row lensed alone, with
     * its own final pass, equals the same row among all rows of all layers, bit for bit.
     */
    private static void rowInvariance(float softcap, boolean heapScan) {
        Djl.engine();
        int v = 1000;
        int d = 64;
        int n = 9;
        int layers = 3;
        try (NDManager m = NDManager.newBaseManager(); Workers pool = new Workers(2)) {
            m.getEngine().setRandomSeed(11);
            Unembedding u = new Unembedding(m.randomNormal(new Shape(v, d)), m.randomNormal(new Shape(v)), softcap);
            FusedLens lens = new FusedLens(u, pool, 96, 8, heapScan);
            NDArray fx = m.randomNormal(new Shape(n, d)).mul(2f);
            NDArray lx = m.randomNormal(new Shape(layers * n, d)).mul(2f);
            FusedLens.Final fin = lens.finalPass(fx, K, m);
            FusedLens.Stats all = lens.rows(lx, fin, K);
            for (int r = 0; r < n; r++) {
                FusedLens.Final one = lens.finalPass(fx.get(r + ":" + (r + 1)), K, m);
                assertEquals(fin.stats().lse()[r], one.stats().lse()[0], 0f, "final lse, row " + r);
                assertEquals(fin.stats().entropy()[r], one.stats().entropy()[0], 0f, "final entropy, row " + r);
                for (int l = 0; l < layers; l++) {
                    int j = l * n + r;
                    FusedLens.Stats alone = lens.rows(lx.get(j + ":" + (j + 1)), one, K);
                    String what = "layer " + l + " row " + r;
                    assertArrayEquals(all.topIds()[j], alone.topIds()[0], what);
                    assertArrayEquals(all.topVals()[j], alone.topVals()[0], 0f, what);
                    assertEquals(all.lse()[j], alone.lse()[0], 0f, what);
                    assertEquals(all.entropy()[j], alone.entropy()[0], 0f, what);
                    assertEquals(all.kl()[j], alone.kl()[0], 0f, what);
                    assertEquals(all.answerProb()[j], alone.answerProb()[0], 0f, what);
                    assertEquals(all.rank()[j], alone.rank()[0], what);
                }
            }
        }
    }

    private static void check(float softcap, boolean bias, int tileCols, int chunkRows, int workers,
                              boolean heapScan) {
        check(softcap, bias, tileCols, chunkRows, workers, heapScan, 1f);
    }

    /**
     * @param scale multiplies every input (a power of two keeps the logits exact); beyond 1 the tolerances of lse,
     *              entropy and KL are relative to the size of the expected value (float32 holds values near 100 to
     *              about 1e-5)
     */
    private static void check(float softcap, boolean bias, int tileCols, int chunkRows, int workers,
                              boolean heapScan, float scale) {
        Djl.engine();
        Random rnd = new Random(7);
        float[][] w = new float[V][D];
        for (float[] row : w) {
            for (int d = 0; d < D; d++) {
                row[d] = (rnd.nextInt(5) - 2) / 2f;
            }
        }
        // Ties: ids 3, 10 and 40 share a row (so do 7 and 8), so they tie in every cell.
        w[10] = w[3].clone();
        w[40] = w[3].clone();
        w[8] = w[7].clone();
        float[] b = new float[V];
        for (int v = 0; v < V; v++) {
            b[v] = bias ? (rnd.nextInt(3) - 1) / 2f : 0f;
        }
        b[10] = b[3];
        b[40] = b[3];
        b[8] = b[7];
        float[][][] x = new float[LAYERS + 1][N][D]; // the last is the final layer
        for (float[][] layer : x) {
            for (float[] row : layer) {
                for (int d = 0; d < D; d++) {
                    row[d] = (rnd.nextInt(7) - 3) / 2f * scale;
                }
            }
        }
        // Layer 1 row 2 leans on the tied row 3 so the ties are near the top.
        x[1][2] = w[3].clone();
        for (int d = 0; d < D; d++) {
            x[1][2][d] *= scale;
        }
        try (NDManager m = NDManager.newBaseManager(); Workers pool = new Workers(workers)) {
            NDArray weight = m.create(flat(w), new Shape(V, D));
            Unembedding u = new Unembedding(weight, bias ? m.create(b) : null, softcap);
            FusedLens lens = new FusedLens(u, pool, tileCols, chunkRows, heapScan);
            FusedLens.Final fin = lens.finalPass(m.create(flat(x[LAYERS]), new Shape(N, D)), K, m);
            NDList layers = new NDList();
            for (int l = 0; l < LAYERS; l++) {
                layers.add(m.create(flat(x[l]), new Shape(N, D)));
            }
            FusedLens.Stats s = lens.rows(NDArrays.concat(layers, 0), fin, K);

            for (int r = 0; r < N; r++) {
                double[] zf = logits(x[LAYERS][r], w, b, softcap);
                double[] lpf = logSoftmax(zf);
                int answer = topk(zf, 1)[0];
                assertEquals(answer, fin.top1()[r], "final top-1, row " + r);
                assertArrayEquals(topk(zf, K), fin.stats().topIds()[r], "final top-k, row " + r);
                assertEquals(entropy(lpf), fin.stats().entropy()[r], tol(entropy(lpf), scale), "final entropy");
                for (int l = 0; l < LAYERS; l++) {
                    int j = l * N + r;
                    double[] z = logits(x[l][r], w, b, softcap);
                    double[] lp = logSoftmax(z);
                    assertArrayEquals(topk(z, K), s.topIds()[j], "top-k, layer " + l + " row " + r);
                    assertEquals(lse(z), s.lse()[j], tol(lse(z), scale), "log-sum-exp");
                    assertEquals(entropy(lp), s.entropy()[j], tol(entropy(lp), scale),
                            "entropy, layer " + l + " row " + r);
                    double kl = 0;
                    for (int v = 0; v < V; v++) {
                        kl += Math.exp(lpf[v]) * (lpf[v] - lp[v]);
                    }
                    assertEquals(kl, s.kl()[j], tol(kl, scale), "KL, layer " + l + " row " + r);
                    assertEquals(Math.exp(lp[answer]), s.answerProb()[j], 1e-6, "p(answer)");
                    double a = z[answer];
                    int rank = 1 + (int) Arrays.stream(z).filter(v -> v > a).count();
                    assertEquals(rank, s.rank()[j], "rank, layer " + l + " row " + r);
                }
            }
            // the tie at row 2 of layer 1: ids 3, 10, 40 lead, in id order
            assertArrayEquals(new int[] {3, 10, 40}, Arrays.copyOf(s.topIds()[N + 2], 3));
        }
    }

    private static double tol(double expected, float scale) {
        return scale == 1f ? 1e-5 : 1e-5 * Math.max(1, Math.abs(expected));
    }

    private static double[] logits(float[] x, float[][] w, float[] b, float softcap) {
        double[] z = new double[V];
        for (int v = 0; v < V; v++) {
            double s = b[v];
            for (int d = 0; d < D; d++) {
                s += (double) x[d] * w[v][d];
            }
            z[v] = softcap > 0 ? (float) (Math.tanh((float) s / softcap) * softcap) : s;
        }
        return z;
    }

    /** Descending, ties by ascending id. */
    private static int[] topk(double[] z, int k) {
        return IntStream.range(0, z.length).boxed().sorted(Comparator.comparingDouble((Integer i) -> -z[i]))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    private static double lse(double[] z) {
        double m = Arrays.stream(z).max().orElseThrow();
        return m + Math.log(Arrays.stream(z).map(v -> Math.exp(v - m)).sum());
    }

    private static double[] logSoftmax(double[] z) {
        double l = lse(z);
        return Arrays.stream(z).map(v -> v - l).toArray();
    }

    private static double entropy(double[] lp) {
        return -Arrays.stream(lp).map(v -> Math.exp(v) * v).sum();
    }

    private static float[] flat(float[][] a) {
        float[] out = new float[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, out, i * a[0].length, a[0].length);
        }
        return out;
    }
}
