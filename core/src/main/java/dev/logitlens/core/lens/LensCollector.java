package dev.logitlens.core.lens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.Unembedding;
import dev.logitlens.core.tokenizer.LensTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The seed's {@code collect_logit_lens}, in Java, plus per-cell metrics.
 *
 * <p>Memory: the [L, P, V] probabilities are never materialized. Each layer's [P, V] logits live only
 * while that layer's top-k, entropy, KL and rank are taken; what stays is the normalized hidden states
 * [L, P, D] and each cell's log-sum-exp, from which the tracked ids' probabilities are gathered at the
 * end. Every array a prompt creates is released when the prompt is done (an {@link NDScope}).
 */
public final class LensCollector {
    /** Bumped whenever the numbers a collector produces could change; part of every cache key. */
    public static final int VERSION = 1;

    /** Rows of logits lensed per unembedding matmul (see the chunked loop in {@link #collect}). */
    private static final int CHUNK_ROWS = 512;

    private final LensModel model;
    private final LensTokenizer tokenizer;
    private final NDManager manager;
    private final String modelName;

    /**
     * @param manager a manager on the model's device; each prompt runs in a sub-manager of it
     */
    public LensCollector(String modelName, LensModel model, LensTokenizer tokenizer, NDManager manager) {
        this.modelName = modelName;
        this.model = model;
        this.tokenizer = tokenizer;
        this.manager = manager;
    }

    /**
     * Collects the lens of {@code prompt}.
     *
     * @param k      top-k per cell, at least 1
     * @param layers block indices to lens (negative count from the end, as in Python), or null for all
     */
    public LensResult collect(String prompt, int k, int[] layers) {
        return collect(prompt, k, layers, List.of());
    }

    /** As {@link #collect(String, int, int[])}, also measuring {@code answers} at the last position. */
    public LensResult collect(String prompt, int k, int[] layers, List<AnswerProbe.Group> answers) {
        return collect(prompt, k, layers, answers, null).logit();
    }

    /**
     * A map of block outputs applied before the final norm (a tuned lens's translators). It must return the last
     * block's output unchanged: that layer's lens is the model's own output in both lenses.
     */
    @FunctionalInterface
    public interface HiddenTransform {
        NDArray apply(int block, NDArray hidden);
    }

    /**
     * The logit lens and the lens of transformed states of one prompt.
     *
     * @param logit     the logit lens
     * @param tuned     the lens of the transformed states, or null when there was no transform
     * @param klBetween [L][P] KL(tuned ‖ logit) in nats per cell, or null with {@code tuned}
     */
    public record Both(LensResult logit, LensResult tuned, float[][] klBetween) {}

    /**
     * Both lenses from one forward pass, or the logit lens alone when {@code transform} is null. Both measure KL,
     * rank and settling against the model's own output.
     */
    public Both collect(String prompt, int k, int[] layers, List<AnswerProbe.Group> answers,
                                HiddenTransform transform) {
        int[] ids = tokenizer.encode(prompt);
        if (ids.length == 0) {
            throw new LensException("the prompt \"" + prompt + "\" tokenizes to no tokens; give a non-empty prompt");
        }
        int max = model.info().maxPositions();
        if (ids.length > max) {
            throw new LensException("the prompt is " + ids.length + " tokens long but the model accepts at most " + max
                    + "; shorten the prompt or run it on a model with more positions");
        }
        int[] resolved = resolveLayers(layers, model.info().numLayers());
        int vocab = model.info().vocabSize();
        if (k < 1 || k > vocab) {
            throw new LensException("k = " + k + " must be between 1 and the vocabulary size " + vocab);
        }
        try (NDManager scope = manager.newSubManager(); NDScope ignored = new NDScope()) {
            NDArray inputIds = scope.create(Arrays.stream(ids).asLongStream().toArray(), new Shape(ids.length));
            NDList outputs = model.blockOutputs(inputIds);                      // L_model × [P, D]
            LensResult logit = collect(scope, ids, k, resolved, answers, outputs, null);
            if (transform == null) {
                return new Both(logit, null, null);
            }
            return new Both(logit, collect(scope, ids, k, resolved, answers, outputs, transform),
                    LensDivergence.perCell(model, outputs, resolved, transform));
        }
    }

    private LensResult collect(NDManager scope, int[] ids, int k, int[] layers, List<AnswerProbe.Group> groups,
                               NDList outputs, HiddenTransform transform) {
        int p = ids.length;
        int l = layers.length;
        Unembedding unembed = model.unembedding();

        int[][][] topk = new int[l][p][];
        float[][] entropy = new float[l][];
        float[][] kl = new float[l][];
        float[][] top1Prob = new float[l][];
        int[][] top1Rank = new int[l][];
        float[][] lse = new float[l][];
        NDArray[] normed = new NDArray[l];

        // The model's own output distribution (the last block through the real head) is needed by every
        // layer's KL. When the last block is lensed anyway, its chunk goes first and supplies it; otherwise
        // it is computed on its own.
        int lastIndex = indexOf(layers, model.info().numLayers() - 1);
        Final fin = null;
        NDArray[] finalBuffers = null;
        if (lastIndex >= 0) {
            // Allocated before any chunk so the chunks' large temporaries are freed below them and reused
            // (allocating these in the middle made later chunks take fresh memory: slower, larger peak).
            long v = unembed.weight().getShape().get(0);
            finalBuffers = new NDArray[] {scope.create(new Shape(p, v), DataType.FLOAT32),
                    scope.create(new Shape(p, v), DataType.FLOAT32)};
        } else {
            NDArray logits = toF32(unembed.logits(model.finalNorm(outputs.get(outputs.size() - 1))));   // [P, V]
            NDArray logp = logits.logSoftmax(-1);
            fin = Final.of(logits, logp, logp.exp(), p);
        }

        // Layers are lensed in chunks of c layers, so each unembedding matmul has c·P rows (BLAS runs much
        // faster on one tall matrix than on many short ones) while at most max(P, CHUNK_ROWS) rows of
        // logits exist at once: still O(P·V), never [L, P, V].
        int chunk = Math.max(1, CHUNK_ROWS / p);
        List<Integer> firsts = new ArrayList<>();
        for (int first = 0; first < l; first += chunk) {
            firsts.add(first);
        }
        if (lastIndex >= 0) {
            Integer holder = (lastIndex / chunk) * chunk;
            firsts.remove(holder);
            firsts.add(0, holder);
        }
        for (int first : firsts) {
            int c = Math.min(chunk, l - first);
            NDList xs = new NDList(c);
            for (int li = first; li < first + c; li++) {
                NDArray h = outputs.get(layers[li]);
                normed[li] = model.finalNorm(transform == null ? h : transform.apply(layers[li], h)); // [P, D']
                xs.add(normed[li]);
            }
            try (NDScope ignored = new NDScope()) {                          // free this chunk's [c, P, V]
                NDArray x = NDArrays.stack(xs, 0);                           // [c, P, D']
                NDArray logits = toF32(unembed.logits(x));                   // [c, P, V]
                NDArray logp = logits.logSoftmax(-1);
                NDArray probs = logp.exp();
                if (fin == null) { // this chunk holds the last block: its lens is the model's output
                    int j = lastIndex - first;
                    finalBuffers[0].set(new NDIndex(":"), logp.get(j));
                    finalBuffers[1].set(new NDIndex(":"), probs.get(j));
                    fin = Final.of(logits.get(j), finalBuffers[0], finalBuffers[1], p);
                    NDScope.unregister(fin.top1());
                }
                float[] lseFlat = logits.get(":, :, 0").sub(logp.get(":, :, 0")).toFloatArray();   // [c·P]
                int[] topFlat = logits.topK(k, -1, true, true).get(1).toType(DataType.INT32, false).toIntArray();
                // Row-wise dot products as batched matmuls: one read of [c, P, V], no temporary of that size.
                long v = logits.getShape().get(2);
                NDArray logpCol = logp.reshape(c, p, v, 1);
                float[] entFlat = probs.reshape(c, p, 1, v).matMul(logpCol).neg().toFloatArray();
                // KL(final ‖ layer) = Σ p_f·log p_f − Σ p_f·log p_layer
                float[] crossFlat = fin.probs().reshape(1, p, 1, v).matMul(logpCol).toFloatArray();
                NDArray answer = fin.top1().expandDims(0).repeat(0, c);      // [c, P, 1]
                NDArray answerLogit = logits.gather(answer, 2);
                float[] probFlat = probs.gather(answer, 2).toFloatArray();
                int[] rankFlat = logits.gt(answerLogit).sum(new int[] {-1}).add(1)
                        .toType(DataType.INT32, false).toIntArray();
                for (int j = 0; j < c; j++) {
                    int li = first + j;
                    int o = j * p;
                    lse[li] = Arrays.copyOfRange(lseFlat, o, o + p);
                    entropy[li] = Arrays.copyOfRange(entFlat, o, o + p);
                    kl[li] = new float[p];
                    for (int pos = 0; pos < p; pos++) { // ≥ 0 up to float rounding
                        kl[li][pos] = Math.max(0f, -fin.entropy()[pos] - crossFlat[o + pos]);
                    }
                    top1Prob[li] = Arrays.copyOfRange(probFlat, o, o + p);
                    top1Rank[li] = Arrays.copyOfRange(rankFlat, o, o + p);
                    for (int pos = 0; pos < p; pos++) {
                        topk[li][pos] = Arrays.copyOfRange(topFlat, (o + pos) * k, (o + pos) * k + k);
                    }
                }
            }
        }
        int[] finalTop1 = fin.ids();

        // Tracked ids: per position, the sorted union of its top-k over all layers.
        int[][] tracked = new int[p][];
        for (int pos = 0; pos < p; pos++) {
            TreeSet<Integer> set = new TreeSet<>();
            for (int li = 0; li < l; li++) {
                for (int id : topk[li][pos]) {
                    set.add(id);
                }
            }
            tracked[pos] = set.stream().mapToInt(Integer::intValue).toArray();
        }

        // Their probabilities at every layer, from the kept normalized states and log-sum-exps.
        NDArray stack = NDArrays.stack(new NDList(normed), 1);                           // [P, L, D']
        NDArray lseArr = scope.create(flatten(lse), new Shape(l, p)).transpose(); // [P, L]
        float[][][] probs = new float[p][][];
        for (int pos = 0; pos < p; pos++) {
            NDArray rowIds = scope.create(Arrays.stream(tracked[pos]).asLongStream().toArray());
            NDArray rows = unembed.weight().get(new NDIndex("{}", rowIds));  // [n, D']
            NDArray bias = unembed.bias() == null ? null : unembed.bias().get(new NDIndex("{}", rowIds));
            NDArray z = toF32(unembed.logitsOf(stack.get(pos), rows, bias)); // [L, n]
            float[] flat = z.sub(lseArr.get(pos).reshape(l, 1)).exp().toFloatArray();
            int n = tracked[pos].length;
            probs[pos] = new float[l][];
            for (int li = 0; li < l; li++) {
                probs[pos][li] = Arrays.copyOfRange(flat, li * n, li * n + n);
            }
        }

        List<Answer> answers = AnswerProbe.probe(unembed, stack.get(p - 1), groups);     // [L, D'] at the last position

        SortedMap<Integer, String> vocabMap = new TreeMap<>();
        for (AnswerProbe.Group g : groups) {
            for (int id : g.ids()) {
                vocabMap.put(id, tokenizer.tokenString(id));
            }
        }
        for (int id : ids) {
            vocabMap.put(id, tokenizer.tokenString(id));
        }
        for (int[] t : tracked) {
            for (int id : t) {
                vocabMap.put(id, tokenizer.tokenString(id));
            }
        }
        for (int id : finalTop1) {
            vocabMap.put(id, tokenizer.tokenString(id));
        }
        String[] input = Arrays.stream(ids).mapToObj(tokenizer::tokenString).toArray(String[]::new);
        return new LensResult(modelName, ids, input, layers, k, topk, tracked, probs, vocabMap,
                entropy, kl, finalTop1, top1Prob, top1Rank, answers);
    }

    /** The model's own next-token distribution: log-probabilities, probabilities [P, V], top-1 [P, 1]. */
    private record Final(NDArray logp, NDArray probs, NDArray top1, float[] entropy, int[] ids) {
        static Final of(NDArray logits, NDArray logp, NDArray probs, int p) {
            NDArray top1 = logits.argMax(-1).reshape(p, 1);
            float[] entropy = probs.mul(logp).sum(new int[] {-1}).neg().toFloatArray();
            return new Final(logp, probs, top1, entropy, top1.toType(DataType.INT32, false).toIntArray());
        }
    }

    private static int indexOf(int[] values, int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static NDArray toF32(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    }

    private static float[] flatten(float[][] a) {
        int n = a.length == 0 ? 0 : a[0].length;
        float[] out = new float[a.length * n];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, out, i * n, n);
        }
        return out;
    }

    /**
     * Resolves requested layers against a model of {@code numLayers} blocks: null means all; negative
     * indices count from the end as in Python; out-of-range or repeated indices are errors.
     */
    public static int[] resolveLayers(int[] requested, int numLayers) {
        if (requested == null) {
            return java.util.stream.IntStream.range(0, numLayers).toArray();
        }
        if (requested.length == 0) {
            throw new LensException("layers is empty; list at least one layer or use 'all'");
        }
        int[] out = new int[requested.length];
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < requested.length; i++) {
            int r = requested[i];
            int v = r < 0 ? numLayers + r : r;
            if (v < 0 || v >= numLayers) {
                throw new LensException("layers: [" + r + "] is out of range for a " + numLayers + "-layer model (valid: 0.."
                        + (numLayers - 1) + " or -" + numLayers + "..-1)");
            }
            if (!seen.add(v)) {
                throw new LensException("layers: layer " + v + " is listed twice");
            }
            out[i] = v;
        }
        return out;
    }
}
