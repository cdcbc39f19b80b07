package dev.logitlens.core.lens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import dev.logitlens.core.model.Gemm;
import dev.logitlens.core.model.Unembedding;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The lens statistics of many rows, computed tile by tile over the vocabulary so that a [rows, V] array of
 * logits never exists: only the unembedding matmul of one tile ([R, Vt], a few MB, still in cache) is read by the
 * statistics that follow it. Per row and tile it keeps running sums, merged across tiles in Java:
 *
 * <ul>
 *   <li>log-sum-exp: the tile's max m and S0 = Σ exp(z − m);</li>
 *   <li>entropy: S1 = Σ exp(z − m)·(z − m), so H = ln S0 − S1 / S0;</li>
 *   <li>both from one softmax of the tile, p = exp(z − m) / S0: S0 = 1 / p at the tile's argmax (where z − m is
 *   exactly 0, so exp is exactly 1) and S1 / S0 = Σ p·(z − m). libtorch's softmax is one fused loop per row, about
 *   2.5× faster than exp and the sums as separate passes (measured: 0.5–0.7 against 1.3–1.7 ms per 512 × 1024 tile),
 *   and needs no floor under z − m: its exp does not slow down on underflow as the separate exp did;</li>
 *   <li>top-k: a running top-k (descending logit, ties by ascending id), offered the tile's values that can enter
 *   it;</li>
 *   <li>the final answer's logit (read in the tile that holds it) and rank (1 + how many logits exceed it).</li>
 * </ul>
 *
 * <p>KL(final ‖ layer) = lse − Σ p_f·z − H_f needs the cross sum Σ p_f·z. The final pass keeps each of its tiles'
 * softmax e_f = exp(z_f − m_f,t) / S0_f,t ([N, V], made for the sums anyway), so p_f = e_f·w_t with the tile's
 * weight w_t = S0_f,t·exp(m_f,t − lse_f). A layer's tile sums e_f·z against a view of them (its rows are whole layers of the final
 * rows, so the view is broadcast over its layers, never gathered), and the tiles' sums are weighted by w_t when
 * merged. (Measured: cheaper than u = Σ p_f·W once per final row and x·u per layer row, which costs another matmul
 * of the final pass's size, by 4–10%.)
 *
 * <p>Rows are independent: any rows may share a chunk (a prompt's layers, other prompts), and a row's numbers are
 * bit for bit the same whatever it shares it with. A matmul's row does not depend on the other rows
 * ({@link Gemm}), reductions are per row, and the tiles' sums are combined
 * in vocabulary order whatever tasks computed them. Row chunks × vocabulary ranges run as tasks on the workers.
 */
final class FusedLens {
    private final Unembedding unembed;
    private final Workers workers;
    private final int tileCols;
    private final int chunkRows;
    private final long vocab;
    private final boolean heapScan;
    private final List<NDArray> tiles = new ArrayList<>(); // [Vt, D'] views of the unembedding, in vocab order
    private final List<NDArray> tileBias = new ArrayList<>();

    /**
     * @param tileCols  vocabulary columns per tile
     * @param chunkRows rows per unembedding matmul at most (also the rows of one task)
     */
    FusedLens(Unembedding unembed, Workers workers, int tileCols, int chunkRows) {
        this(unembed, workers, tileCols, chunkRows, !unembed.weight().getDevice().isGpu());
    }

    /** @param heapScan whether tiles are scanned on the heap (the CPU's way) rather than by device operations */
    FusedLens(Unembedding unembed, Workers workers, int tileCols, int chunkRows, boolean heapScan) {
        this.heapScan = heapScan;
        this.unembed = unembed;
        this.workers = workers;
        this.tileCols = tileCols;
        this.chunkRows = Math.max(1, chunkRows);
        this.vocab = unembed.weight().getShape().get(0);
        for (long v0 = 0; v0 < vocab; v0 += tileCols) {
            String range = v0 + ":" + Math.min(vocab, v0 + tileCols);
            tiles.add(unembed.weight().get(range));
            tileBias.add(unembed.bias() == null ? null : unembed.bias().get(range));
        }
    }

    /**
     * The model's own distribution for rows {@code x} [N, D']: its statistics, top-1 ids, and what every other
     * layer's cross sum needs: its tiles' softmax {@code exp} [N, V] (each tile's own, exp(z − m_t) / S0_t) and the
     * weight of each tile, {@code tileWeight} [N][tiles] = S0_t·exp(m_t − lse).
     */
    record Final(Stats stats, int[] top1, NDArray exp, double[][] tileWeight) {}

    /** Per-row results. {@code topIds}/{@code topVals} [rows][k]; {@code rank}/{@code answerProb} of the final answer. */
    record Stats(int[][] topIds, float[][] topVals, float[] lse, float[] entropy, float[] kl, float[] answerProb,
                 int[] rank) {}

    Final finalPass(NDArray x, int k, NDManager manager) {
        int n = rows(x);
        NDArray exp = manager.create(new Shape(n, vocab), DataType.FLOAT32);
        Acc acc = run(x, rowChunks(n), null, null, k, exp);
        Stats s = finish(acc, null, n);
        // The last layer's answer is its own top-1: KL 0, rank 1
        int[] top1 = new int[n];
        float[] top1Prob = new float[n];
        int[] rank = new int[n];
        double[][] weight = new double[n][tiles.size()];
        for (int r = 0; r < n; r++) {
            top1[r] = s.topIds()[r][0];
            top1Prob[r] = (float) Math.exp(s.topVals()[r][0] - s.lse()[r]);
            rank[r] = 1;
            for (int t = 0; t < tiles.size(); t++) {
                weight[r][t] = acc.tileS0[r][t] * Math.exp((double) acc.tileMax[r][t] - s.lse()[r]);
            }
        }
        Stats withAnswer = new Stats(s.topIds(), s.topVals(), s.lse(), s.entropy(), new float[n], top1Prob, rank);
        return new Final(withAnswer, top1, exp, weight);
    }

    /**
     * The lens of rows {@code x} [L·N, D'], layer-major over the N rows of the final pass {@code fin}: row l·N + f is
     * layer l of final row f (any layers of any prompts, each layer in the prompts' order of the final rows).
     */
    Stats rows(NDArray x, Final fin, int k) {
        int rows = rows(x);
        int n = fin.top1().length;
        if (n == 0 || rows % n != 0) {
            throw new IllegalArgumentException(rows + " rows are not whole layers of " + n + " final rows");
        }
        int[] answers = new int[rows];
        for (int r = 0; r < rows; r++) {
            answers[r] = fin.top1()[r % n];
        }
        Acc acc = run(x, layerChunks(rows / n, n), answers, fin.exp(), k, null);
        return finish(acc, fin, rows);
    }

    /**
     * A task's rows r0..r1): {@code layers} whole layers of final rows f0..f1) (r1 − r0 = layers·(f1 − f0)), so a
     * tile's rows line up with a view of the final exponentials, broadcast over the layers: no gather.
     */
    private record Span(int r0, int r1, int f0, int f1) {
        int layers() {
            return (r1 - r0) / (f1 - f0);
        }
    }

    /** Plain row chunks of a final pass (each row its own final row). */
    private List<Span> rowChunks(int rows) {
        int chunks = (rows + chunkRows - 1) / chunkRows;
        List<Span> out = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            int r0 = (int) ((long) c * rows / chunks);
            int r1 = (int) ((long) (c + 1) * rows / chunks);
            out.add(new Span(r0, r1, r0, r1));
        }
        return out;
    }

    /**
     * Chunks of {@code layers} layers of {@code n} rows: whole layers, about {@link #chunkRows} rows each, or, where
     * one layer has more rows than that, parts of one layer.
     */
    private List<Span> layerChunks(int layers, int n) {
        List<Span> out = new ArrayList<>();
        if (n > chunkRows) {
            int parts = (n + chunkRows - 1) / chunkRows;
            for (int l = 0; l < layers; l++) {
                for (int p = 0; p < parts; p++) {
                    int f0 = (int) ((long) p * n / parts);
                    int f1 = (int) ((long) (p + 1) * n / parts);
                    out.add(new Span(l * n + f0, l * n + f1, f0, f1));
                }
            }
            return out;
        }
        int chunks = (layers + chunkRows / n - 1) / (chunkRows / n);
        for (int c = 0; c < chunks; c++) {
            int l0 = c * layers / chunks;
            int l1 = (c + 1) * layers / chunks;
            out.add(new Span(l0 * n, l1 * n, 0, n));
        }
        return out;
    }

    /**
     * Runs every chunk over vocabulary ranges, one task each. {@code answers} (per row) and the final pass's
     * tiles' softmax {@code pf} are given for a layer's lens; {@code store} [rows, V] receives the tiles' softmax of a
     * final pass.
     */
    private Acc run(NDArray x, List<Span> chunks, int[] answers, NDArray pf, int k, NDArray store) {
        int rows = rows(x);
        // Enough tasks for the workers to share evenly: split the vocabulary when there are few chunks, and so that
        // every worker gets as many tasks.
        int w = workers.size();
        int splits = w == 1 ? 1 : Math.max(1, Math.min(tiles.size(), (2 * w + chunks.size() - 1) / chunks.size()));
        while (w > 1 && chunks.size() * splits % w != 0 && splits < tiles.size()) {
            splits++;
        }
        List<Callable<Acc>> tasks = new ArrayList<>();
        List<Span> spans = new ArrayList<>();
        for (Span c : chunks) {
            for (int s = 0; s < splits; s++) {
                int t0 = s * tiles.size() / splits;
                int t1 = (s + 1) * tiles.size() / splits;
                spans.add(c);
                tasks.add(() -> chunk(x, c, t0, t1, answers, pf, k, store));
            }
        }
        List<Acc> done = workers.all(tasks);
        Acc all = new Acc(rows, k, tiles.size());
        for (int i = 0; i < done.size(); i++) {
            all.mergeRows(done.get(i), spans.get(i).r0());
        }
        return all;
    }

    /** One task: the rows of {@code span}, over tiles t0..t1). */
    private Acc chunk(NDArray x, Span span, int t0, int t1, int[] answers, NDArray pf, int k, NDArray store) {
        int r0 = span.r0();
        int r1 = span.r1();
        int r = r1 - r0;
        Acc acc = new Acc(r, k, tiles.size());
        try (NDScope ignored = new NDScope()) {
            NDArray xc = x.get(r0 + ":" + r1);                                      // [R, D']
            Chunk c = new Chunk(acc, xc, r, r0, k, store);
            if (answers != null) {
                // The answer's logit, for the rank count: x · W[answer] (+ b, soft-cap)    [R, 1]
                c.answers = Arrays.copyOfRange(answers, r0, r1);
                NDArray ansIds = xc.getManager().create(Arrays.stream(c.answers).asLongStream().toArray());
                NDArray wAns = unembed.weight().get(new NDIndex("{}", ansIds));       // [R, D']
                NDArray z = toF32(xc.mul(wAns).sum(new int[] {-1}, true));
                if (unembed.bias() != null) {
                    z = z.add(toF32(unembed.bias().get(new NDIndex("{}", ansIds))).reshape(r, 1));
                }
                c.zAns = softcap(z);
                c.zAnsArr = c.zAns.toFloatArray();
                c.pf = pf;
                c.span = span;
            }
            for (int t = t0; t < t1; t++) {
                try (NDScope tileScope = new NDScope()) {
                    tile(c, t);
                }
            }
        }
        return acc;
    }

    /** What a task's tiles share. */
    private static final class Chunk {
        final Acc acc;
        final NDArray xc;
        final int r;
        final int r0;
        final int k;
        final NDArray store;
        int[] answers;
        float[] heap;
        NDArray zAns;
        float[] zAnsArr;
        NDArray pf;
        Span span;

        /** A reused heap buffer of at least n floats. */
        float[] heap(int n) {
            if (heap == null || heap.length < n) {
                heap = new float[n];
            }
            return heap;
        }

        Chunk(Acc acc, NDArray xc, int r, int r0, int k, NDArray store) {
            this.acc = acc;
            this.xc = xc;
            this.r = r;
            this.r0 = r0;
            this.k = k;
            this.store = store;
        }
    }

    private void tile(Chunk c, int t) {
        int r = c.r;
        Acc acc = c.acc;
        long v0 = (long) t * tileCols;
        NDArray w = tiles.get(t);
        int vt = Math.toIntExact(w.getShape().get(0));
        // Logits of this tile                                                     [R, Vt]
        NDArray z = Gemm.timesT(c.xc, w);
        if (tileBias.get(t) != null) {
            z = z.add(tileBias.get(t));
        }
        z = softcap(toF32(z));
        float[] cross = null;
        if (c.pf != null) { // Σ e_f·z over this tile: the final rows' tile softmax, broadcast over the chunk's layers
            Span sp = c.span;
            NDArray ef = c.pf.get(sp.f0() + ":" + sp.f1() + ", " + v0 + ":" + (v0 + vt));        // [F, Vt]
            cross = z.reshape(sp.layers(), sp.f1() - sp.f0(), vt).mul(ef).sum(new int[] {-1}).toFloatArray();
        }
        float[] mt = new float[r];
        long[] at = new long[r]; // where each row's max is, in the tile
        if (heapScan) {
            scanOnHeap(c, z, t, vt, mt, at);
        } else {
            topOnDevice(c, z, t, vt, mt, at);
        }
        NDManager m = z.getManager();
        NDArray zs = z.subi(m.create(mt, new Shape(r, 1)));                       // z − m_t; z is not read again
        NDArray p = zs.softmax(-1);                                               // exp(z − m_t) / S0_t
        if (c.store != null) { // the final pass keeps its tiles' softmax for the layers' cross sums
            c.store.set(new NDIndex(c.r0 + ":" + (c.r0 + r) + ", " + v0 + ":" + (v0 + vt)), p);
        }
        float[] pMax = p.gather(m.create(at, new Shape(r, 1)), 1).toFloatArray(); // 1 / S0_t
        float[] mean = p.muli(zs).sum(new int[] {-1}).toFloatArray();            // S1_t / S0_t
        for (int j = 0; j < r; j++) {
            double s0 = 1.0 / pMax[j];
            acc.tile(j, t, mt[j], s0, s0 * mean[j], cross == null ? 0 : cross[j]);
        }
    }

    /**
     * On the CPU: the tile read once onto the heap, then per row in Java its max, the running top-k's candidates
     * (only values reaching its k-th), and for a layer's lens the answer's logit and the count of logits above it
     * (only where the tile's max is above it). libtorch's topK and comparison passes cost more than all of this.
     */
    private void scanOnHeap(Chunk c, NDArray z, int t, int vt, float[] mt, long[] maxAt) {
        int r = c.r;
        int v0 = t * tileCols;
        float[] zh = c.heap(r * vt);
        ByteBuffer bytes = z instanceof PtNDArray pt ? pt.toByteBuffer(true) : z.toByteBuffer(); // a view of z here
        bytes.order(ByteOrder.nativeOrder()).asFloatBuffer().get(zh, 0, r * vt);
        Acc acc = c.acc;
        for (int j = 0; j < r; j++) {
            int at = j * vt;
            mt[j] = max(zh, at, vt);
            maxAt[j] = indexOf(zh, at, vt, mt[j]);
            if (acc.reaches(j, mt[j])) { // most rows' later tiles hold no candidate at all
                acc.offerFrom(j, zh, at, vt, v0);
            }
            if (c.answers != null) {
                float za = c.zAnsArr[j];
                if (mt[j] > za) {
                    acc.greater[j] += countAbove(zh, at, vt, za);
                }
                int a = c.answers[j] - v0;
                if (a >= 0 && a < vt) {
                    acc.answerLogit(j, zh[at + a], za);
                }
            }
        }
    }

    /**
     * The largest of {@code n} values from {@code at}: four running maxima, no chain of dependent compares (measured
     * about twice as fast as one; keeping maxima per group of 32 made it five times slower).
     */
    private static float max(float[] z, int at, int n) {
        float m0 = Float.NEGATIVE_INFINITY;
        float m1 = m0;
        float m2 = m0;
        float m3 = m0;
        int i = at;
        int end = at + n;
        for (; i + 4 <= end; i += 4) {
            float a = z[i];
            float b = z[i + 1];
            float d = z[i + 2];
            float e = z[i + 3];
            m0 = a > m0 ? a : m0;
            m1 = b > m1 ? b : m1;
            m2 = d > m2 ? d : m2;
            m3 = e > m3 ? e : m3;
        }
        for (; i < end; i++) {
            m0 = z[i] > m0 ? z[i] : m0;
        }
        return Math.max(Math.max(m0, m1), Math.max(m2, m3));
    }

    /** The first of {@code n} values from {@code at} that equals {@code v}, relative to {@code at} (0 if none: NaNs). */
    private static int indexOf(float[] z, int at, int n, float v) {
        for (int i = 0; i < n; i++) {
            if (z[at + i] == v) {
                return i;
            }
        }
        return 0;
    }

    /** How many of {@code n} values from {@code at} exceed {@code threshold}: the sign bit of threshold − v. */
    private static int countAbove(float[] z, int at, int n, float threshold) {
        float th = threshold + 0f; // −0 as +0, so that +0 − +0 is +0 (equal: not above)
        int count = 0;
        for (int i = at, end = at + n; i < end; i++) {
            count += Float.floatToRawIntBits(th - z[i]) >>> 31;
        }
        return count;
    }

    /**
     * On an accelerator, where the tile stays on the device: its top k + 1 (one more, to see a tie at the boundary;
     * the first is its max), and for a layer's lens a comparison pass counting logits above the answer's (skipped
     * where no row's k + 1 values reach it).
     */
    private void topOnDevice(Chunk c, NDArray z, int t, int vt, float[] mt, long[] maxAt) {
        int r = c.r;
        int k = c.k;
        long v0 = (long) t * tileCols;
        Acc acc = c.acc;
        int kk = Math.min(vt, k + 1);
        NDList top = z.topK(kk, -1, true, true);
        float[] vals = top.get(0).toFloatArray();
        long[] idx = top.get(1).toLongArray();
        int[] greater = null;
        float[] self = null;
        if (c.answers != null) {
            boolean scan = false;
            for (int j = 0; j < r && !scan; j++) {
                scan = vals[j * kk + kk - 1] > c.zAnsArr[j];
            }
            if (scan) {
                greater = z.gt(c.zAns).sum(new int[] {-1}).toType(DataType.INT32, false).toIntArray();
            } else {
                greater = new int[r];
                for (int j = 0; j < r; j++) {
                    for (int q = 0; q < kk; q++) {
                        greater[j] += vals[j * kk + q] > c.zAnsArr[j] ? 1 : 0;
                    }
                }
            }
            long[] local = new long[r];
            boolean any = false;
            for (int j = 0; j < r; j++) {
                long a = c.answers[j] - v0;
                any |= a >= 0 && a < vt;
                local[j] = Math.max(0, Math.min(vt - 1, a));
            }
            if (any) {
                self = z.gather(z.getManager().create(local, new Shape(r, 1)), 1).toFloatArray();
            }
        }
        for (int j = 0; j < r; j++) {
            mt[j] = vals[j * kk];
            maxAt[j] = idx[j * kk];
            if (greater != null) {
                acc.greater[j] += greater[j];
                long a = c.answers[j] - v0;
                if (self != null && a >= 0 && a < vt) {
                    acc.answerLogit(j, self[j], c.zAnsArr[j]);
                }
            }
            boolean boundaryTie = kk > k && vals[j * kk + k - 1] == vals[j * kk + k];
            if (boundaryTie) { // which of the tied ids make the top-k is decided by id: read the row exactly
                float[] row = z.get(j).toFloatArray();
                acc.offerFrom(j, row, 0, row.length, (int) v0);
            } else {
                for (int q = 0; q < Math.min(k, kk); q++) {
                    acc.offer(j, vals[j * kk + q], (int) (v0 + idx[j * kk + q]));
                }
            }
        }
    }

    private NDArray softcap(NDArray z) {
        float c = unembed.softcap();
        return c > 0 ? z.div(c).tanh().mul(c) : z;
    }

    private static NDArray toF32(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    }

    private static int rows(NDArray x) {
        return Math.toIntExact(x.getShape().get(0));
    }

    /** Each row's numbers; with {@code fin}, a layer's lens, row j's final row is j mod N (layer-major rows). */
    private Stats finish(Acc a, Final fin, int rows) {
        int[][] topIds = new int[rows][];
        float[][] topVals = new float[rows][];
        float[] lse = new float[rows];
        float[] entropy = new float[rows];
        float[] kl = new float[rows];
        float[] prob = new float[rows];
        int[] rank = new int[rows];
        a.combineTiles(fin == null ? null : fin.tileWeight());
        for (int j = 0; j < rows; j++) {
            double l = a.max[j] + Math.log(a.s0[j]);
            lse[j] = (float) l;
            double h = Math.log(a.s0[j]) - a.s1[j] / a.s0[j];
            entropy[j] = (float) Math.max(0, h);
            topIds[j] = a.ids(j);
            topVals[j] = a.vals(j);
            if (fin != null) {
                // KL ≥ 0 up to rounding
                kl[j] = (float) Math.max(0, l - a.cross[j] - fin.stats().entropy()[j % fin.top1().length]);
                prob[j] = (float) Math.exp(a.self[j] - l);
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
        private static final int CANDIDATES = 64;
        private final int[] candidates = new int[CANDIDATES];
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
                Arrays.fill(r, Double.NaN); // not computed (yet)
            }
            max = new float[rows];
            Arrays.fill(max, Float.NEGATIVE_INFINITY);
            s0 = new double[rows];
            s1 = new double[rows];
            cross = new double[rows];
            greater = new int[rows];
            self = new float[rows];
            Arrays.fill(self, Float.NaN);
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

        /**
         * Folds every row's tiles, in vocabulary order, into its running sums, and for a layer's lens its cross sums,
         * each tile's weighted by {@code weight[f][t]} of its final row f = j mod N (layer-major rows).
         */
        void combineTiles(double[][] weight) {
            for (int j = 0; j < max.length; j++) {
                for (int t = 0; t < tileS0[j].length; t++) {
                    if (Double.isNaN(tileS0[j][t])) {
                        throw new IllegalStateException("tile " + t + " of row " + j + " was not computed");
                    }
                    add(j, tileMax[j][t], tileS0[j][t], tileS1[j][t]);
                    if (weight != null) {
                        cross[j] += weight[j % weight.length][t] * tileCross[j][t];
                    }
                }
            }
        }

        /** Adds a tile's sums S0_t, S1_t (taken relative to its max m_t) to row j. */
        private void add(int j, float mt, double s0t, double s1t) {
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

        /**
         * Row j's answer logit as its tile computed it; where it exceeds {@code counted}, the logit the count compared
         * against, the answer counted itself (the two differ by rounding) and is taken off.
         */
        void answerLogit(int j, float inTile, float counted) {
            self[j] = inTile;
            if (inTile > counted) {
                greater[j]--;
            }
        }

        /** Whether value v could enter row j's top-k. */
        boolean reaches(int j, float v) {
            return topCount[j] < k || v >= topVals[j][k - 1];
        }

        /**
         * Offers {@code n} values from {@code at} (ids from {@code v0}), those reaching row j's k-th: 64 at a time,
         * a tight loop picking the candidates and then the offers (measured 1.6× faster than offering inside it).
         */
        void offerFrom(int j, float[] z, int at, int n, int v0) {
            for (int b = 0; b < n; b += CANDIDATES) {
                float th = topCount[j] < k ? Float.NEGATIVE_INFINITY : topVals[j][k - 1];
                int end = Math.min(n, b + CANDIDATES);
                int c = 0;
                for (int i = b; i < end; i++) {
                    if (z[at + i] >= th) {
                        candidates[c++] = i;
                    }
                }
                for (int q = 0; q < c; q++) {
                    offer(j, z[at + candidates[q]], v0 + candidates[q]);
                }
            }
        }

        private static boolean better(float v, int id, float ov, int oid) {
            return v > ov || (v == ov && id < oid);
        }

        int[] ids(int j) {
            return Arrays.copyOf(topIds[j], topCount[j]);
        }

        float[] vals(int j) {
            return Arrays.copyOf(topVals[j], topCount[j]);
        }

        /** Folds task {@code o}, whose row 0 is row {@code r0} here. */
        void mergeRows(Acc o, int r0) {
            for (int j = 0; j < o.max.length; j++) {
                int row = r0 + j;
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
