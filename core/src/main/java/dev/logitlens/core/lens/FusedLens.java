package dev.logitlens.core.lens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.model.Unembedding;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The lens statistics of many rows, computed tile by tile over the vocabulary so that a [rows, V] array of
 * logits never exists: only the unembedding matmul of one tile ([R, Vt], a few MB, still in cache) is read by the
 * statistics that follow it. Per row and tile it keeps running sums, merged across tiles in Java:
 *
 * <ul>
 *   <li>log-sum-exp: the running max m and S0 = Σ exp(z − m);</li>
 *   <li>entropy: S1 = Σ exp(z − m)·(z − m), so H = ln S0 − S1 / S0;</li>
 *   <li>KL(final ‖ layer) = Σ p_f·(log p_f − log p) = lse − Σ p_f·z − H_f, from the cross sum Σ p_f·z;</li>
 *   <li>top-k: each tile's top-k merged into a running top-k (descending logit, ties by ascending id);</li>
 *   <li>the final answer's logit (read in the tile that holds it) and rank (1 + how many logits exceed it).</li>
 * </ul>
 *
 * <p>The final layer goes first ({@link #finalPass}): its probabilities are kept [N, V] because every other layer's
 * cross sum reads them. Row chunks × vocabulary ranges run as independent tasks on the worker pool.
 */
final class FusedLens {
    /** Where {@code z − max} is floored before exp (see {@link #tile}). */
    private static final float FLOOR = -80f;

    private final Unembedding unembed;
    private final Workers workers;
    private final int tileCols;
    private final int chunkRows;
    private final long vocab;
    private final List<NDArray> tiles = new ArrayList<>(); // [Vt, D'] views of the unembedding, in vocab order
    private final List<NDArray> tileBias = new ArrayList<>();

    /**
     * @param tileCols  vocabulary columns per tile
     * @param chunkRows rows per unembedding matmul (also the rows of one task)
     */
    FusedLens(Unembedding unembed, Workers workers, int tileCols, int chunkRows) {
        this.unembed = unembed;
        this.workers = workers;
        this.tileCols = tileCols;
        this.chunkRows = chunkRows;
        this.vocab = unembed.weight().getShape().get(0);
        for (long v0 = 0; v0 < vocab; v0 += tileCols) {
            String range = v0 + ":" + Math.min(vocab, v0 + tileCols);
            tiles.add(unembed.weight().get(range));
            tileBias.add(unembed.bias() == null ? null : unembed.bias().get(range));
        }
    }

    /**
     * The model's own distribution for rows {@code x} [N, D']: its statistics, probabilities [N, V], top-1 ids and
     * each row's probability mass per vocabulary tile (to undo the tiles' shifts in the cross sums).
     */
    record Final(Stats stats, NDArray probs, int[] top1, float[][] tileMass) {}

    /** Per-row results. {@code topIds}/{@code topVals} [rows][k]; {@code rank}/{@code answerProb} empty for a final pass. */
    record Stats(int[][] topIds, float[][] topVals, float[] lse, float[] entropy, float[] kl, float[] answerProb,
                 int[] rank) {}

    Final finalPass(NDArray x, int k, NDManager manager) {
        int n = Math.toIntExact(x.getShape().get(0));
        NDArray logits = manager.create(new Shape(n, vocab), DataType.FLOAT32);
        Stats s = finish(run(new NDList(x), null, null, null, k, logits), null, n, k);
        // p_f = exp(z − lse), in place of the stored logits
        NDArray lse = manager.create(s.lse(), new Shape(n, 1));
        NDArray probs = logits.sub(lse).exp();
        logits.close();
        lse.close();
        // The last layer's answer is its own top-1: KL 0, rank 1
        int[] top1 = new int[n];
        float[] top1Prob = new float[n];
        int[] rank = new int[n];
        for (int r = 0; r < n; r++) {
            top1[r] = s.topIds()[r][0];
            top1Prob[r] = (float) Math.exp(s.topVals()[r][0] - s.lse()[r]);
            rank[r] = 1;
        }
        float[][] mass = new float[n][tiles.size()];
        for (int t = 0; t < tiles.size(); t++) {
            long v0 = (long) t * tileCols;
            long v1 = Math.min(vocab, v0 + tileCols);
            try (NDArray sum = probs.get(":, " + v0 + ":" + v1).sum(new int[] {-1})) {
                float[] m = sum.toFloatArray();
                for (int r = 0; r < n; r++) {
                    mass[r][t] = m[r];
                }
            }
        }
        Stats withAnswer = new Stats(s.topIds(), s.topVals(), s.lse(), s.entropy(), new float[n], top1Prob, rank);
        return new Final(withAnswer, probs, top1, mass);
    }

    /**
     * The lens of {@code c} layers of the same N rows: {@code x} holds c arrays [N, D']; result row j·N + r is row r
     * of layer j, which shares the final distribution of final row {@code r}.
     */
    Stats layers(NDList x, Final fin, int k) {
        int rows = x.size() * fin.top1().length;
        return finish(run(x, fin, fin.probs(), fin.top1(), k, null), fin, rows, k);
    }

    /** Splits rows into chunks of whole layers' worth of final rows and the vocabulary into ranges, one task each. */
    private Acc run(NDList x, Final fin, NDArray pf, int[] answers, int k, NDArray store) {
        int n = Math.toIntExact(x.get(0).getShape().get(0));
        int rows = x.size() * n;
        // A chunk is a range of final rows [f0, f1) in each of the c layers it covers, so its cross sums read one
        // contiguous block of the final probabilities.
        List<int[]> chunks = new ArrayList<>(); // {first row, row count, final row offset, rows per layer}
        int layers = rows / n;
        int perLayer = Math.min(n, chunkRows);
        int layersPerChunk = Math.max(1, chunkRows / perLayer);
        for (int f0 = 0; f0 < n; f0 += perLayer) {
            int fn = Math.min(perLayer, n - f0);
            for (int l0 = 0; l0 < layers; l0 += layersPerChunk) {
                chunks.add(new int[] {l0, Math.min(layersPerChunk, layers - l0), f0, fn});
            }
        }
        // Enough tasks for every worker: split the vocabulary when there are fewer chunks than workers.
        int splits = Math.max(1, Math.min(tiles.size(), (workers.size() + chunks.size() - 1) / chunks.size()));
        List<Callable<Acc>> tasks = new ArrayList<>();
        for (int[] c : chunks) {
            for (int s = 0; s < splits; s++) {
                int t0 = s * tiles.size() / splits;
                int t1 = (s + 1) * tiles.size() / splits;
                tasks.add(() -> chunk(x, c[0], c[1], c[2], c[3], n, t0, t1, fin, pf, answers, k, store));
            }
        }
        List<Acc> done = workers.all(tasks);
        // Merge the vocabulary ranges of each chunk, then lay the chunks out by row.
        Acc all = new Acc(rows, k, tiles.size());
        for (int i = 0; i < done.size(); i++) {
            int[] c = chunks.get(i / splits);
            all.mergeRows(done.get(i), c, n);
        }
        return all;
    }

    /** One task: rows {f0..f0+fn) of layers l0..l0+lc) of {@code x}, over tiles t0..t1). */
    private Acc chunk(NDList x, int l0, int lc, int f0, int fn, int n, int t0, int t1, Final fin, NDArray pf,
                      int[] answers, int k, NDArray store) {
        int r = lc * fn;
        Acc acc = new Acc(r, k, tiles.size());
        try (NDScope ignored = new NDScope()) {
            NDArray xc = gatherRows(x, l0, lc, f0, fn, n);                           // [R, D']
            NDArray zAns = null;
            float[] zAnsArr = null;
            NDArray pfRows = null;
            if (fin != null) {
                // The answer's logit, for the rank count: x · W[answer] (+ b, soft-cap)    [R, 1]
                long[] ans = new long[r];
                for (int j = 0; j < r; j++) {
                    ans[j] = answers[f0 + j % fn];
                }
                NDArray ansIds = xc.getManager().create(ans);
                NDArray wAns = unembed.weight().get(new NDIndex("{}", ansIds));       // [R, D']
                NDArray z = toF32(xc.mul(wAns).sum(new int[] {-1}, true));
                if (unembed.bias() != null) {
                    z = z.add(toF32(unembed.bias().get(new NDIndex("{}", ansIds))).reshape(r, 1));
                }
                zAns = softcap(z);
                zAnsArr = zAns.toFloatArray();
                pfRows = pf.get(f0 + ":" + (f0 + fn));                                 // [fn, V]
            }
            for (int t = t0; t < t1; t++) {
                try (NDScope tileScope = new NDScope()) {
                    tile(acc, xc, t, lc, fn, f0, fin, pfRows, zAns, zAnsArr, answers, k, store);
                }
            }
        }
        return acc;
    }

    private void tile(Acc acc, NDArray xc, int t, int lc, int fn, int f0, Final fin, NDArray pfRows, NDArray zAns,
                      float[] zAnsArr, int[] answers, int k, NDArray store) {
        int r = lc * fn;
        long v0 = (long) t * tileCols;
        NDArray w = tiles.get(t);
        int vt = Math.toIntExact(w.getShape().get(0));
        // Logits of this tile                                                     [R, Vt]
        NDArray z = xc.matMul(w.transpose());
        if (tileBias.get(t) != null) {
            z = z.add(tileBias.get(t));
        }
        z = softcap(toF32(z));
        if (store != null) { // the final pass keeps its logits
            store.set(new NDIndex(f0 + ":" + (f0 + fn) + ", " + v0 + ":" + (v0 + vt)), z);
        }
        // Top-k of the tile (one more, to see a tie at its boundary); its first value is the tile's max
        int kk = Math.min(vt, k + 1);
        NDList top = z.topK(kk, -1, true, true);
        float[] vals = top.get(0).toFloatArray();
        long[] idx = top.get(1).toLongArray();
        // z − m_t, floored at −80: exp below that is < 2e-35 of the max and adds nothing, while its denormal
        // results made exp ten times slower (measured: 18 ms instead of 1.9 ms on a 512 × 2048 tile)
        NDArray zs = z.sub(top.get(0).get(":, 0:1")).maximum(FLOOR);
        NDArray e = zs.exp();
        float[] s0 = e.sum(new int[] {-1}).toFloatArray();
        NDArray zsCol = zs.reshape(r, vt, 1);
        float[] s1 = e.reshape(r, 1, vt).matMul(zsCol).toFloatArray();
        float[] cross = null;
        int[] greater = null;
        float[] self = null;
        if (fin != null) {
            // Σ p_f·(z − m_t) for every layer of the chunk against its final rows: a broadcast batched matmul
            NDArray pfTile = pfRows.get(":, " + v0 + ":" + (v0 + vt)).reshape(1, fn, 1, vt);
            cross = pfTile.matMul(zs.reshape(lc, fn, vt, 1)).toFloatArray();
            // Logits above the answer's: when no row's (k+1)-th largest here reaches its answer, they are all among
            // the tile's top values (in late layers, usually none at all), else one pass counts them.
            boolean scan = false;
            for (int j = 0; j < r && !scan; j++) {
                scan = vals[j * kk + kk - 1] > zAnsArr[j];
            }
            if (scan) {
                greater = z.gt(zAns).sum(new int[] {-1}).toType(DataType.INT32, false).toIntArray();
            } else {
                greater = new int[r];
                for (int j = 0; j < r; j++) {
                    for (int q = 0; q < kk; q++) {
                        greater[j] += vals[j * kk + q] > zAnsArr[j] ? 1 : 0;
                    }
                }
            }
            // The answer's own logit, read from this tile where it falls in it
            long[] local = new long[r];
            boolean any = false;
            for (int j = 0; j < r; j++) {
                long a = answers[f0 + j % fn] - v0;
                any |= a >= 0 && a < vt;
                local[j] = Math.max(0, Math.min(vt - 1, a));
            }
            if (any) {
                self = z.gather(z.getManager().create(local, new Shape(r, 1)), 1).toFloatArray();
            }
        }
        for (int j = 0; j < r; j++) {
            float m = vals[j * kk];
            double crossSum = 0;
            if (cross != null) {
                crossSum = cross[j] + (double) m * fin.tileMass()[f0 + j % fn][t];
            }
            acc.tile(j, t, m, s0[j], s1[j], crossSum);
            if (greater != null) {
                acc.greater[j] += greater[j];
                long a = answers[f0 + j % fn] - v0;
                if (self != null && a >= 0 && a < vt) {
                    acc.self[j] = self[j];
                    if (self[j] > zAnsArr[j]) {
                        acc.greater[j]--; // the answer counted itself (its two logits differ by rounding)
                    }
                }
            }
            boolean boundaryTie = kk > k && vals[j * kk + k - 1] == vals[j * kk + k];
            if (boundaryTie) { // which of the tied ids make the top-k is decided by id: read the row exactly
                float[] row = z.get(j).toFloatArray();
                acc.offerExact(j, row, v0, k);
            } else {
                for (int q = 0; q < Math.min(k, kk); q++) {
                    acc.offer(j, vals[j * kk + q], (int) (v0 + idx[j * kk + q]));
                }
            }
        }
    }

    /** Rows f0..f0+fn) of layers l0..l0+lc) of {@code x} (each [n, D']), layer-major: [lc·fn, D']. */
    private static NDArray gatherRows(NDList x, int l0, int lc, int f0, int fn, int n) {
        NDList parts = new NDList(lc);
        for (int l = l0; l < l0 + lc; l++) {
            parts.add(fn == n ? x.get(l) : x.get(l).get(f0 + ":" + (f0 + fn)));
        }
        return lc == 1 ? parts.get(0) : ai.djl.ndarray.NDArrays.concat(parts, 0);
    }

    private NDArray softcap(NDArray z) {
        float c = unembed.softcap();
        return c > 0 ? z.div(c).tanh().mul(c) : z;
    }

    private static NDArray toF32(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    }

    private Stats finish(Acc a, Final fin, int rows, int k) {
        int[][] topIds = new int[rows][];
        float[][] topVals = new float[rows][];
        float[] lse = new float[rows];
        float[] entropy = new float[rows];
        float[] kl = new float[rows];
        float[] prob = new float[rows];
        int[] rank = new int[rows];
        int n = fin == null ? rows : fin.top1().length;
        a.combineTiles();
        for (int j = 0; j < rows; j++) {
            double l = a.max[j] + Math.log(a.s0[j]);
            lse[j] = (float) l;
            double h = Math.log(a.s0[j]) - a.s1[j] / a.s0[j];
            entropy[j] = (float) Math.max(0, h);
            topIds[j] = a.ids(j);
            topVals[j] = a.vals(j);
            if (fin != null) {
                int f = j % n;
                // Σ p_f·z = cross (relative to the running shifts, added back per tile); KL ≥ 0 up to rounding
                kl[j] = (float) Math.max(0, l - a.cross[j] - fin.stats().entropy()[f]);
                float z = Float.isNaN(a.self[j]) ? Float.NaN : a.self[j];
                prob[j] = (float) Math.exp(z - l);
                rank[j] = 1 + a.greater[j];
            }
        }
        return new Stats(topIds, topVals, lse, entropy, kl, prob, rank);
    }

    /** Running per-row sums and top-k of one task (or, merged, of all). */
    private static final class Acc {
        final int k;
        final float[] max;
        final double[] s0;
        final double[] s1;
        final double[] cross;
        final int[] greater;
        final float[] self;
        final int[][] topIds;
        final float[][] topVals;
        final int[] topCount;
        // Each tile's sums, kept apart and combined in vocabulary order at the end, so that the numbers do not
        // depend on how rows and tiles were split into tasks (a sharded build equals a one-machine build).
        final float[][] tileMax;
        final double[][] tileS0;
        final double[][] tileS1;
        final double[][] tileCross;

        Acc(int rows, int k, int tiles) {
            this.k = k;
            tileMax = new float[rows][tiles];
            tileS0 = new double[rows][tiles];
            tileS1 = new double[rows][tiles];
            tileCross = new double[rows][tiles];
            for (double[] r : tileS0) {
                java.util.Arrays.fill(r, Double.NaN); // not computed (yet)
            }
            max = new float[rows];
            java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
            s0 = new double[rows];
            s1 = new double[rows];
            cross = new double[rows];
            greater = new int[rows];
            self = new float[rows];
            java.util.Arrays.fill(self, Float.NaN);
            topIds = new int[rows][k];
            topVals = new float[rows][k];
            topCount = new int[rows];
        }

        /** Records tile t's sums S0_t, S1_t (taken relative to its max m_t) and cross sum for row j. */
        void tile(int j, int t, float mt, double s0t, double s1t, double crossT) {
            tileMax[j][t] = mt;
            tileS0[j][t] = s0t;
            tileS1[j][t] = s1t;
            tileCross[j][t] = crossT;
        }

        /** Folds every row's tiles, in vocabulary order, into its running sums. */
        void combineTiles() {
            for (int j = 0; j < max.length; j++) {
                for (int t = 0; t < tileS0[j].length; t++) {
                    if (Double.isNaN(tileS0[j][t])) {
                        throw new IllegalStateException("tile " + t + " of row " + j + " was not computed");
                    }
                    add(j, tileMax[j][t], tileS0[j][t], tileS1[j][t], tileCross[j][t]);
                }
            }
        }

        /** Adds a tile's sums S0_t, S1_t (taken relative to its max m_t) and cross sum to row j. */
        private void add(int j, float mt, double s0t, double s1t, double crossT) {
            cross[j] += crossT;
            if (s0[j] == 0) {
                max[j] = mt;
                s0[j] = s0t;
                s1[j] = s1t;
                return;
            }
            float m = max[j];
            if (mt > m) { // rescale what we had to the new max: (z − m) = (z − m_t) + (m_t − m)
                double f = Math.exp(m - mt);
                s1[j] = (s1[j] + (m - mt) * s0[j]) * f + s1t;
                s0[j] = s0[j] * f + s0t;
                max[j] = mt;
            } else {
                double f = Math.exp(mt - m);
                s1[j] += (s1t + (mt - m) * s0t) * f;
                s0[j] += s0t * f;
            }
        }

        /** Offers (value, id) to row j's top-k: descending value, ties by ascending id. */
        void offer(int j, float v, int id) {
            int c = topCount[j];
            int[] ids = topIds[j];
            float[] vals = topVals[j];
            if (c == k && !better(v, id, vals[k - 1], ids[k - 1])) {
                return;
            }
            int pos = c < k ? c : k - 1;
            while (pos > 0 && better(v, id, vals[pos - 1], ids[pos - 1])) {
                vals[pos] = vals[pos - 1];
                ids[pos] = ids[pos - 1];
                pos--;
            }
            vals[pos] = v;
            ids[pos] = id;
            if (c < k) {
                topCount[j] = c + 1;
            }
        }

        void offerExact(int j, float[] row, long v0, int k) {
            for (int i = 0; i < row.length; i++) {
                if (topCount[j] < k || row[i] >= topVals[j][k - 1]) {
                    offer(j, row[i], (int) (v0 + i));
                }
            }
        }

        private static boolean better(float v, int id, float ov, int oid) {
            return v > ov || (v == ov && id < oid);
        }

        int[] ids(int j) {
            return java.util.Arrays.copyOf(topIds[j], topCount[j]);
        }

        float[] vals(int j) {
            return java.util.Arrays.copyOf(topVals[j], topCount[j]);
        }

        /** Folds task {@code o}, covering chunk c = {l0, lc, f0, fn}, into these rows (layer-major over n rows). */
        void mergeRows(Acc o, int[] c, int n) {
            int l0 = c[0];
            int lc = c[1];
            int f0 = c[2];
            int fn = c[3];
            for (int l = 0; l < lc; l++) {
                for (int f = 0; f < fn; f++) {
                    int j = l * fn + f;
                    int row = (l0 + l) * n + f0 + f;
                    for (int t = 0; t < o.tileS0[j].length; t++) {
                        if (!Double.isNaN(o.tileS0[j][t])) {
                            tile(row, t, o.tileMax[j][t], o.tileS0[j][t], o.tileS1[j][t], o.tileCross[j][t]);
                        }
                    }
                    greater[row] += o.greater[j];
                    if (!Float.isNaN(o.self[j])) {
                        self[row] = o.self[j];
                    }
                    for (int q = 0; q < o.topCount[j]; q++) {
                        offer(row, o.topVals[j][q], o.topIds[j][q]);
                    }
                }
            }
        }
    }
}
