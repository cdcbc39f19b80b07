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
import dev.logitlens.core.model.Unembedding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * One pass of a model over many prompts: every block runs once for all of them (its weights made ready once, then
 * let go when streamed), the prompts side by side on the workers, the final-normed states of the lensed layers are
 * kept ([L, T, D'] per prompt, no logits), and then every layer of every prompt is lensed by the {@link FusedLens},
 * the model's own distribution first.
 *
 * <p>Each prompt's numbers are bit for bit those of a pass over that prompt alone, whatever else is in the pass:
 * every matmul sees only that prompt's rows, and the lens combines its vocabulary tiles in a fixed order. So a
 * build's numbers do not depend on what was cached, how the prompts were batched or how a gallery was sharded.
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
            // Each prompt is its own batch: a matmul's rows depend, in their last bits, on how many rows it has, so a
            // prompt computed with others would differ from the same prompt alone (or on another shard). Prompts run
            // side by side on the workers instead, each block's weights made ready once for all of them.
            int count = jobs.size();
            List<Batch> batches = new ArrayList<>(count);
            NDArray[] h = new NDArray[count];
            for (int j = 0; j < count; j++) {
                batches.add(Batch.of(pass, List.of(jobs.get(j).ids())));
                h[j] = keep(model.embed(batches.get(j)));                                 // [T_j, D]
            }
            boolean[] lensed = new boolean[numBlocks];
            for (int l : layers) {
                lensed[l] = true;
            }
            NDArray[][] states = new NDArray[count][numBlocks];                          // final-normed [T_j, D']
            NDArray[][] raw = new NDArray[count][numBlocks]; // block outputs kept for a transform (tuned lens)
            for (int i = 0; i < numBlocks; i++) {
                int block = i;
                boolean keepState = lensed[i] || i == last;
                model.blocks().acquire(i); // held across the prompts, so a streamed block is read once
                try {
                    List<Callable<NDArray[]>> tasks = new ArrayList<>();
                    for (int j = 0; j < count; j++) {
                        int jj = j;
                        tasks.add(() -> {
                            try (NDScope scope = new NDScope()) {
                                NDArray out = model.block(block, h[jj], batches.get(jj));
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
                    for (int j = 0; j < count; j++) {
                        // kept as a state (a final norm that is the identity, OPT) or for a transform: not closed
                        if (i == 0 || (h[j] != states[j][i - 1] && h[j] != raw[j][i - 1])) {
                            h[j].close();
                        }
                        h[j] = results.get(j)[0];
                        states[j][i] = results.get(j)[1];
                        if (keepState && jobs.get(j).transform() != null) {
                            raw[j][i] = h[j];
                        }
                    }
                } finally {
                    model.blocks().release(i);
                }
                listener.blockDone(i + 1, numBlocks, model.blocks().bytesRead());
            }
            return lens(pass, jobs, layers, states, raw); // everything the batch made goes with its manager
        }
    }

    /**
     * The lens of every prompt. With at least as many prompts as workers each prompt is one task; otherwise prompts
     * go one after another, each split over the workers by row chunks and vocabulary ranges. Either way a prompt's
     * numbers are the same (the tiles' sums are combined in vocabulary order).
     */
    private List<Measured> lens(NDManager pass, List<Job> jobs, int[] layers, NDArray[][] states, NDArray[][] raw) {
        Unembedding unembed = model.unembedding();
        if (jobs.size() >= workers.size() && workers.size() > 1) {
            try (Workers inline = new Workers(1)) {
                FusedLens lens = new FusedLens(unembed, inline, TILE_COLS, CHUNK_ROWS);
                List<Callable<Measured>> tasks = new ArrayList<>();
                for (int j = 0; j < jobs.size(); j++) {
                    int jj = j;
                    tasks.add(() -> {
                        try (NDScope scope = new NDScope()) {
                            return lensOne(lens, pass, jobs.get(jj), layers, states[jj], raw[jj], unembed);
                        }
                    });
                }
                return workers.all(tasks);
            }
        }
        FusedLens lens = new FusedLens(unembed, workers, TILE_COLS, CHUNK_ROWS);
        List<Measured> out = new ArrayList<>(jobs.size());
        for (int j = 0; j < jobs.size(); j++) {
            try (NDScope scope = new NDScope()) {
                out.add(lensOne(lens, pass, jobs.get(j), layers, states[j], raw[j], unembed));
            }
        }
        return out;
    }

    private Measured lensOne(FusedLens lens, NDManager pass, Job job, int[] layers, NDArray[] states, NDArray[] raw,
                             Unembedding unembed) {
        int last = model.info().numLayers() - 1;
        FusedLens.Final fin = lens.finalPass(states[last], job.k(), pass);
        Measured logit = lensOf(lens, pass, job, layers, states, fin, unembed);
        if (job.transform() == null) {
            return logit;
        }
        // The transformed states' lens, against the same final distribution (the last block is left as it is)
        NDArray[] translated = new NDArray[states.length];
        NDList outputs = new NDList(states.length);
        for (int i = 0; i < states.length; i++) {
            outputs.add(raw[i]);
            if (raw[i] != null) {
                translated[i] = i == last ? states[i] : model.finalNorm(job.transform().apply(i, raw[i]));
            }
        }
        Measured tuned = lensOf(lens, pass, job, layers, translated, fin, unembed);
        return logit.withTuned(tuned, LensDivergence.perCell(model, outputs, layers, job.transform()));
    }

    /** The lens of {@code states} (per block, final-normed) against the model's own distribution {@code fin}. */
    private Measured lensOf(FusedLens lens, NDManager pass, Job job, int[] layers, NDArray[] states,
                            FusedLens.Final fin, Unembedding unembed) {
        int last = model.info().numLayers() - 1;
        NDList others = new NDList();
        List<Integer> otherIndex = new ArrayList<>();
        for (int li = 0; li < layers.length; li++) {
            if (layers[li] != last) {
                others.add(states[layers[li]]);
                otherIndex.add(li);
            }
        }
        FusedLens.Stats stats = others.isEmpty() ? null : lens.layers(others, fin, job.k());
        int p = job.ids().length;
        FusedLens.Stats[] byLayer = new FusedLens.Stats[layers.length];
        int[] rowBase = new int[layers.length];
        for (int li = 0; li < layers.length; li++) {
            int o = otherIndex.indexOf(li);
            byLayer[li] = o < 0 ? fin.stats() : stats;
            rowBase[li] = o < 0 ? 0 : o * p;
        }
        return measured(job, 0, layers, byLayer, rowBase, fin, states, unembed, pass);
    }

    private Measured measured(Job job, int offset, int[] layers, FusedLens.Stats[] byLayer, int[] rowBase,
                              FusedLens.Final fin, NDArray[] states, Unembedding unembed, NDManager pass) {
        int p = job.ids().length;
        int l = layers.length;
        int k = job.k();
        int[][][] topk = new int[l][p][];
        float[][] entropy = new float[l][p];
        float[][] kl = new float[l][p];
        float[][] prob = new float[l][p];
        int[][] rank = new int[l][p];
        float[][] lse = new float[l][p];
        for (int li = 0; li < l; li++) {
            FusedLens.Stats s = byLayer[li];
            for (int pos = 0; pos < p; pos++) {
                int row = rowBase[li] + offset + pos;
                topk[li][pos] = Arrays.copyOf(s.topIds()[row], k);
                entropy[li][pos] = s.entropy()[row];
                kl[li][pos] = s.kl()[row];
                prob[li][pos] = s.answerProb()[row];
                rank[li][pos] = s.rank()[row];
                lse[li][pos] = s.lse()[row];
            }
        }
        int[] finalTop1 = Arrays.copyOfRange(fin.top1(), offset, offset + p);

        // Tracked ids: per position, the sorted union of its top-k over all layers, and their probabilities at every
        // layer from the kept states and log-sum-exps (a [L, n] matmul per position).
        int[][] tracked = new int[p][];
        float[][][] probs = new float[p][][];
        List<Answer> answers;
        try (NDScope ignored = new NDScope()) {
            NDList rows = new NDList(l);
            for (int li = 0; li < l; li++) {
                rows.add(states[layers[li]].get(offset + ":" + (offset + p)));
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
