package dev.logitlens.core.lens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.model.Batch;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.PadRows;
import dev.logitlens.core.model.Parallel;
import dev.logitlens.core.model.Unembedding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * One pass of a model over many prompts: every block runs once for all of them (its weights made ready once, then
 * let go when streamed), the prompts packed into one group per worker, the final-normed states of the lensed layers
 * are kept ([L, T, D'] per prompt, no logits), and then every layer of every prompt is lensed by the
 * {@link FusedLens}, the model's own distribution first, all prompts' rows together.
 *
 * <p>Each prompt's numbers are bit for bit those of a pass over that prompt alone, whatever else is in the pass:
 * a matmul row does not depend on the rows beside it ({@link dev.logitlens.core.model.Gemm}), attention
 * stays within each prompt, and the lens combines its vocabulary tiles in a fixed order. So a build's numbers do not
 * depend on what was cached, how the prompts were batched or how a gallery was sharded.
 */
public final class ModelPass {
    /** Bytes of kept states and final probabilities per batch; more prompts are run as further batches. */
    static final long BATCH_BYTES = 1L << 30;
    /** Vocabulary columns per lens tile. */
    static final int TILE_COLS = 1024;
    /** Rows per lens matmul. */
    static final int CHUNK_ROWS = 512;

    /**
     * One prompt: its token ids, top-k, lensed block indices (as requested, resolved), the answer groups measured
     * at its last position, and a transform of the block outputs whose lens is measured too (a tuned lens), or null.
     */
    public record Job(int[] ids, int k, int[] layers, List<AnswerProbe.Group> answers,
                      LensCollector.HiddenTransform transform) {}

    /** What a pass measured for one prompt, before ids become strings. */
    record Measured(int[][][] topk, int[][] tracked, float[][][] probs, float[][] entropy, float[][] kl,
                    int[] finalTop1, float[][] finalTop1Prob, int[][] finalTop1Rank, List<Answer> answers,
                    Measured tuned, float[][] klBetween) {
        Measured withTuned(Measured t, float[][] between) {
            return new Measured(topk, tracked, probs, entropy, kl, finalTop1, finalTop1Prob, finalTop1Rank, answers,
                    t, between);
        }
    }

    /** Called after each block of a pass. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param block     blocks done in this batch
         * @param blocks    blocks in the model
         * @param bytesRead checkpoint bytes read for blocks so far (streaming)
         */
        void blockDone(int block, int blocks, long bytesRead);

        Listener NONE = (b, n, r) -> {};
    }

    private final LensModel model;
    private final NDManager manager;
    private final Workers workers;
    private final Listener listener;

    public ModelPass(LensModel model, NDManager manager, Workers workers, Listener listener) {
        this.model = model;
        this.manager = manager;
        this.workers = workers;
        this.listener = listener == null ? Listener.NONE : listener;
    }

    /** Runs {@code jobs} (all with the same layers), in batches that fit {@link #BATCH_BYTES}. */
    List<Measured> run(List<Job> jobs) {
        List<Measured> out = new ArrayList<>(jobs.size());
        if (jobs.isEmpty()) {
            return out;
        }
        int[] layers = jobs.get(0).layers();
        for (Job j : jobs) {
            if (!Arrays.equals(j.layers(), layers)) {
                throw new IllegalArgumentException("a pass lenses one set of layers");
            }
        }
        long hidden = model.unembedding().weight().getShape().get(1);
        long vocab = model.unembedding().weight().getShape().get(0);
        // the lens's states and the final pass's kept exponentials
        long perRow = 4 * ((layers.length + 1) * hidden + vocab);
        long maxRows = Math.max(1, BATCH_BYTES / perRow);
        int first = 0;
        while (first < jobs.size()) {
            int end = first;
            long rows = 0;
            while (end < jobs.size() && (end == first || rows + jobs.get(end).ids().length <= maxRows)) {
                rows += jobs.get(end).ids().length;
                end++;
            }
            out.addAll(batch(jobs.subList(first, end), layers));
            first = end;
        }
        return out;
    }

    private List<Measured> batch(List<Job> jobs, int[] layers) {
        int numBlocks = model.info().numLayers();
        int last = numBlocks - 1;
        try (NDManager pass = manager.newSubManager(); NDScope ignored = new NDScope()) {
            // The prompts are packed into one group per worker (balanced by rows), each group one batch through
            // every block. A matmul row's numbers do not depend on the other rows (Gemm), so a prompt's
            // numbers are the same in any group, alone, or on another shard.
            List<List<Integer>> groups = groups(jobs, workers.size());
            int count = groups.size();
            List<Batch> batches = new ArrayList<>(count);
            NDArray[] h = new NDArray[count];
            int[] padRows = new int[count]; // each group's last rows, its pad prompt's: their products may stay zero
            for (int g = 0; g < count; g++) {
                List<int[]> ids = new ArrayList<>(groups.get(g).stream().map(j -> jobs.get(j).ids()).toList());
                int tail = tailRows();
                boolean uniform = ids.stream().allMatch(p -> p.length == tail);
                padRows[g] = uniform ? tail + 1 : tail; // uniform prompts would be attended as one array
                ids.add(new int[padRows[g]]);
                batches.add(Batch.of(pass, ids));
                h[g] = keep(model.embed(batches.get(g)));                                 // [N_g, D]
            }
            Rows rows = new Rows(jobs, layers, last);
            NDArray packed = null; // [rows, D'] the final-normed states of every lensed layer but the last
            NDArray finals = null; // [N, D'] those of the last block
            boolean transforms = jobs.stream().anyMatch(j -> j.transform() != null);
            NDArray[][] raw = new NDArray[count][numBlocks]; // block outputs kept for a transform (tuned lens)
            for (int i = 0; i < numBlocks; i++) {
                int block = i;
                boolean keepState = rows.lensed(i);
                model.blocks().acquire(i); // held across the groups, so a streamed block is read once
                try {
                    List<Callable<NDArray[]>> tasks = new ArrayList<>();
                    for (int g = 0; g < count; g++) {
                        int gg = g;
                        tasks.add(() -> {
                            try (NDScope scope = new NDScope()) {
                                // One group alone has the other workers to spare: its projections are split over them
                                NDArray out = PadRows.with(padRows[gg], () -> count == 1 && workers.size() > 1
                                        ? Parallel.with(workers, () -> model.block(block, h[gg], batches.get(gg)))
                                        : model.block(block, h[gg], batches.get(gg)));
                                NDArray n = keepState ? model.finalNorm(out) : null;
                                NDScope.unregister(out);
                                if (n != null) {
                                    NDScope.unregister(n);
                                }
                                return new NDArray[] {out, n};
                            }
                        });
                    }
                    List<NDArray[]> results = workers.all(tasks);
                    for (int g = 0; g < count; g++) {
                        if (i == 0 || h[g] != raw[g][i - 1]) { // kept for a transform: not closed
                            h[g].close();
                        }
                        h[g] = results.get(g)[0];
                        NDArray state = results.get(g)[1];
                        if (state == null) {
                            continue;
                        }
                        // Each prompt's rows into the lens's arrays
                        long width = state.getShape().get(1);
                        if (i == last && finals == null) {
                            finals = pass.create(new Shape(rows.finalRows(), width), state.getDataType());
                        } else if (i != last && packed == null) {
                            packed = pass.create(new Shape(rows.layerRows(), width), state.getDataType());
                        }
                        for (int s = 0; s < groups.get(g).size(); s++) {
                            int j = groups.get(g).get(s);
                            int t = jobs.get(j).ids().length;
                            int from = i == last ? rows.finalBase(j) : rows.base(j, i);
                            int at = batches.get(g).offset(s);
                            (i == last ? finals : packed).set(new NDIndex(from + ":" + (from + t)),
                                    state.get(at + ":" + (at + t)));
                        }
                        if (state != h[g]) { // a final norm that is the identity (OPT) returns its input
                            state.close();
                        }
                        if (transforms) {
                            raw[g][i] = h[g];
                        }
                    }
                } finally {
                    model.blocks().release(i);
                }
                listener.blockDone(i + 1, numBlocks, model.blocks().bytesRead());
            }
            // Each prompt's block outputs, for its transform
            NDArray[][] promptRaw = new NDArray[jobs.size()][numBlocks];
            for (int g = 0; g < count; g++) {
                for (int s = 0; s < groups.get(g).size(); s++) {
                    int j = groups.get(g).get(s);
                    String at = batches.get(g).offset(s) + ":" + (batches.get(g).offset(s) + batches.get(g).length(s));
                    for (int i = 0; i < numBlocks; i++) {
                        promptRaw[j][i] = raw[g][i] == null || jobs.get(j).transform() == null ? null : raw[g][i].get(at);
                    }
                }
            }
            return lens(pass, jobs, layers, rows, packed, finals, promptRaw); // all the batch made goes with pass
        }
    }

    /**
     * Where each prompt's rows sit in the lens's two arrays: the last block's rows of every prompt in turn
     * ({@code finalBase}), and, layer by layer (every lensed layer but the last, in request order), the same rows
     * again: the layers' array is layer-major over the final rows, as {@link FusedLens#rows} reads it.
     */
    private static final class Rows {
        private final boolean[] lensed;
        private final int[] finalBase;
        private final int[] slot; // [block] → its place among the layers' array's layers, or −1
        private int finalRows;
        private int slots;

        Rows(List<Job> jobs, int[] layers, int last) {
            lensed = new boolean[last + 1];
            lensed[last] = true;
            slot = new int[last + 1];
            Arrays.fill(slot, -1);
            for (int l : layers) {
                lensed[l] = true;
                if (l != last) {
                    slot[l] = slots++;
                }
            }
            finalBase = new int[jobs.size()];
            for (int j = 0; j < jobs.size(); j++) {
                finalBase[j] = finalRows;
                finalRows += jobs.get(j).ids().length;
            }
        }

        boolean lensed(int block) {
            return lensed[block];
        }

        int finalBase(int prompt) {
            return finalBase[prompt];
        }

        /** The first row of a prompt's block (not the last) in the layers' array. */
        int base(int prompt, int block) {
            return slot[block] * finalRows + finalBase[prompt];
        }

        int finalRows() {
            return finalRows;
        }

        int layerRows() {
            return slots * finalRows;
        }
    }

    /**
     * Rows of token 0 that end every group, a prompt of their own that is never lensed. libtorch's elementwise loops
     * run vector code over an array and scalar code over its last elements (fewer than 32 floats), and for some ops
     * (measured: sigmoid, pow) the two differ in the last bit; these rows take that tail, so no prompt's numbers
     * depend on where it sits in its group. (exp and tanh, all the lens uses, agree in both.) Only their presence
     * matters, not their numbers: their products may be left zero ({@link PadRows}).
     */
    private int tailRows() {
        return Math.max(1, (32 + model.info().hiddenSize() - 1) / model.info().hiddenSize());
    }

    /** Prompt indices in {@code groups} groups of about equal rows, each group in prompt order. */
    static List<List<Integer>> groups(List<Job> jobs, int groups) {
        int count = Math.min(groups, jobs.size());
        Integer[] order = new Integer[jobs.size()];
        for (int j = 0; j < order.length; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (a, b) -> jobs.get(b).ids().length - jobs.get(a).ids().length); // longest first
        long[] rows = new long[count];
        List<TreeSet<Integer>> sets = new ArrayList<>();
        for (int g = 0; g < count; g++) {
            sets.add(new TreeSet<>());
        }
        for (int j : order) {
            int least = 0;
            for (int g = 1; g < count; g++) {
                least = rows[g] < rows[least] ? g : least;
            }
            sets.get(least).add(j);
            rows[least] += jobs.get(j).ids().length;
        }
        return sets.stream().map(s -> (List<Integer>) new ArrayList<>(s)).toList();
    }

    /**
     * The lens of every prompt: the final rows of all prompts in one final pass, then every other lensed layer of
     * every prompt as the rows of one fused lens, then the same for the prompts' tuned lenses.
     */
    private List<Measured> lens(NDManager pass, List<Job> jobs, int[] layers, Rows rows, NDArray packed,
                                NDArray finals, NDArray[][] raw) {
        Unembedding unembed = model.unembedding();
        int last = model.info().numLayers() - 1;
        int k = jobs.stream().mapToInt(Job::k).max().orElseThrow(); // each prompt keeps its own first k
        FusedLens lens = new FusedLens(unembed, workers, TILE_COLS, CHUNK_ROWS);
        FusedLens.Final fin = lens.finalPass(finals, k, pass);
        FusedLens.Stats stats = packed == null ? null : lens.rows(packed, fin, k);

        // Each prompt's final-normed states per block (views), and its tuned lens's
        NDArray[][] states = new NDArray[jobs.size()][last + 1];
        NDArray[][] translated = new NDArray[jobs.size()][];
        NDArray tunedPacked = null;
        for (int j = 0; j < jobs.size(); j++) {
            int t = jobs.get(j).ids().length;
            for (int i = 0; i <= last; i++) {
                if (rows.lensed(i)) {
                    int from = i == last ? rows.finalBase(j) : rows.base(j, i);
                    states[j][i] = (i == last ? finals : packed).get(from + ":" + (from + t));
                }
            }
        }
        if (jobs.stream().anyMatch(j -> j.transform() != null)) {
            // The transformed states' lens, against the same final distribution (the last block is left as it is)
            for (int j = 0; j < jobs.size(); j++) {
                translated[j] = new NDArray[last + 1];
                translated[j][last] = states[j][last];
            }
            NDList ordered = new NDList(); // in the layout of packed: layer by layer, prompt by prompt
            for (int i : layers) {
                if (i == last) {
                    continue; // the last block is left as it is
                }
                for (int j = 0; j < jobs.size(); j++) {
                    Job job = jobs.get(j);
                    // without a transform the logit lens's rows stand in, so the layout stays that of packed
                    translated[j][i] = job.transform() == null ? states[j][i]
                            : model.finalNorm(job.transform().apply(i, raw[j][i]));
                    ordered.add(translated[j][i]);
                }
            }
            tunedPacked = ordered.isEmpty() ? null : concat(ordered);
        }
        FusedLens.Stats tunedStats = tunedPacked == null ? null : lens.rows(tunedPacked, fin, k);

        List<Measured> out = new ArrayList<>(jobs.size());
        for (int j = 0; j < jobs.size(); j++) {
            try (NDScope scope = new NDScope()) {
                Job job = jobs.get(j);
                int[] base = new int[layers.length];
                for (int li = 0; li < layers.length; li++) {
                    base[li] = layers[li] == last ? -1 : rows.base(j, layers[li]);
                }
                int fb = rows.finalBase(j);
                Measured logit = measured(job, layers, stats, base, fin, fb, states[j], pass);
                if (job.transform() == null) {
                    out.add(logit);
                    continue;
                }
                Measured tuned = measured(job, layers, tunedStats, base, fin, fb, translated[j], pass);
                NDList outputs = new NDList(raw[j].length);
                for (NDArray r : raw[j]) {
                    outputs.add(r);
                }
                out.add(logit.withTuned(tuned, LensDivergence.perCell(model, outputs, layers, job.transform())));
            }
        }
        return out;
    }

    private static NDArray concat(NDList parts) {
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
    }

    /**
     * One prompt's numbers: layer li's rows start at {@code base[li]} of {@code stats}, or, for the last block, at
     * {@code finalBase} of the final pass; {@code states} are its final-normed states per block.
     */
    private Measured measured(Job job, int[] layers, FusedLens.Stats stats, int[] base, FusedLens.Final fin,
                              int finalBase, NDArray[] states, NDManager pass) {
        Unembedding unembed = model.unembedding();
        int p = job.ids().length;
        int[] finalTop1 = Arrays.copyOfRange(fin.top1(), finalBase, finalBase + p);
        int l = layers.length;
        int k = job.k();
        int[][][] topk = new int[l][p][];
        float[][] entropy = new float[l][p];
        float[][] kl = new float[l][p];
        float[][] prob = new float[l][p];
        int[][] rank = new int[l][p];
        float[][] lse = new float[l][p];
        for (int li = 0; li < l; li++) {
            FusedLens.Stats s = base[li] < 0 ? fin.stats() : stats;
            for (int pos = 0; pos < p; pos++) {
                int row = (base[li] < 0 ? finalBase : base[li]) + pos;
                topk[li][pos] = Arrays.copyOf(s.topIds()[row], k);
                entropy[li][pos] = s.entropy()[row];
                kl[li][pos] = s.kl()[row];
                prob[li][pos] = s.answerProb()[row];
                rank[li][pos] = s.rank()[row];
                lse[li][pos] = s.lse()[row];
            }
        }

        // Tracked ids: per position, the sorted union of its top-k over all layers, and their probabilities at every
        // layer from the kept states and log-sum-exps (a [L, n] matmul per position).
        int[][] tracked = new int[p][];
        float[][][] probs = new float[p][][];
        List<Answer> answers;
        try (NDScope ignored = new NDScope()) {
            NDList rows = new NDList(l);
            for (int li = 0; li < l; li++) {
                rows.add(states[layers[li]]);
            }
            NDArray stack = NDArrays.stack(rows, 1);                                     // [P, L, D']
            for (int pos = 0; pos < p; pos++) {
                TreeSet<Integer> set = new TreeSet<>();
                for (int li = 0; li < l; li++) {
                    for (int id : topk[li][pos]) {
                        set.add(id);
                    }
                }
                tracked[pos] = set.stream().mapToInt(Integer::intValue).toArray();
                int m = tracked[pos].length;
                NDArray ids = pass.create(Arrays.stream(tracked[pos]).asLongStream().toArray());
                NDArray w = unembed.weight().get(new NDIndex("{}", ids));                // [m, D']
                NDArray b = unembed.bias() == null ? null : unembed.bias().get(new NDIndex("{}", ids));
                NDArray z = unembed.logitsOf(stack.get(pos), w, b);                       // [L, m]
                z = z.getDataType() == DataType.FLOAT32 ? z : z.toType(DataType.FLOAT32, false);
                float[] lsePos = new float[l];
                for (int li = 0; li < l; li++) {
                    lsePos[li] = lse[li][pos];
                }
                float[] flat = z.sub(pass.create(lsePos, new Shape(l, 1))).exp().toFloatArray();
                probs[pos] = new float[l][];
                for (int li = 0; li < l; li++) {
                    probs[pos][li] = Arrays.copyOfRange(flat, li * m, li * m + m);
                }
            }
            answers = AnswerProbe.probe(unembed, stack.get(p - 1), job.answers());       // [L, D'] at the last position
        }
        return new Measured(topk, tracked, probs, entropy, kl, finalTop1, prob, rank, answers, null, null);
    }

    private static NDArray keep(NDArray a) {
        NDScope.unregister(a);
        return a;
    }
}
