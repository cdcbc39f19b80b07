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

import java.util.Arrays;
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
            return collect(scope, ids, k, resolved);
        }
    }

    private LensResult collect(NDManager scope, int[] ids, int k, int[] layers) {
        int p = ids.length;
        int l = layers.length;
        long[] longIds = Arrays.stream(ids).asLongStream().toArray();
        NDArray inputIds = scope.create(longIds, new Shape(p));
        NDList outputs = model.blockOutputs(inputIds);                          // L_model × [P, D]
        Unembedding unembed = model.unembedding();

        // The model's own output distribution: the last block through the real head.   [P, V]
        NDArray finalLogits = toF32(unembed.logits(model.finalNorm(outputs.get(outputs.size() - 1))));
        NDArray finalLogp = finalLogits.logSoftmax(-1);
        NDArray finalP = finalLogp.exp();
        float[] finalEntropy = finalP.mul(finalLogp).sum(new int[] {-1}).neg().toFloatArray();   // [P]
        NDArray finalTop1Arr = finalLogits.argMax(-1).reshape(p, 1);         // [P, 1]
        int[] finalTop1 = finalTop1Arr.toType(DataType.INT32, false).toIntArray();

        int[][][] topk = new int[l][p][];
        float[][] entropy = new float[l][];
        float[][] kl = new float[l][];
        float[][] top1Prob = new float[l][];
        int[][] top1Rank = new int[l][];
        float[][] lse = new float[l][];
        NDList normed = new NDList(l);
        // Layers are lensed in chunks of c layers, so each unembedding matmul has c·P rows (BLAS runs much
        // faster on one tall matrix than on many short ones) while at most max(P, CHUNK_ROWS) rows of
        // logits exist at once: still O(P·V), never [L, P, V].
        int chunk = Math.max(1, CHUNK_ROWS / p);
        for (int first = 0; first < l; first += chunk) {
            int c = Math.min(chunk, l - first);
            NDList xs = new NDList(c);
            for (int li = first; li < first + c; li++) {
                NDArray x = model.finalNorm(outputs.get(layers[li]));       // [P, D']
                normed.add(x);
                xs.add(x);
            }
            try (NDScope ignored = new NDScope()) {                          // free this chunk's [c, P, V]
                NDArray x = NDArrays.stack(xs, 0);                           // [c, P, D']
                NDArray logits = toF32(unembed.logits(x));                   // [c, P, V]
                NDArray logp = logits.logSoftmax(-1);
                NDArray probs = logp.exp();
                float[] lseFlat = logits.get(":, :, 0").sub(logp.get(":, :, 0")).toFloatArray();   // [c·P]
                int[] topFlat = logits.topK(k, -1, true, true).get(1).toType(DataType.INT32, false).toIntArray();
                // Row-wise dot products as batched matmuls: one read of [c, P, V], no temporary of that size.
                long v = logits.getShape().get(2);
                NDArray logpCol = logp.reshape(c, p, v, 1);
                float[] entFlat = probs.reshape(c, p, 1, v).matMul(logpCol).neg().toFloatArray();
                // KL(final ‖ layer) = Σ p_f·log p_f − Σ p_f·log p_layer
                float[] crossFlat = finalP.reshape(1, p, 1, v).matMul(logpCol).toFloatArray();
                float[] klFlat = new float[c * p];
                for (int i = 0; i < klFlat.length; i++) {
                    klFlat[i] = Math.max(0f, -finalEntropy[i % p] - crossFlat[i]); // ≥ 0; float rounding aside
                }
                NDArray answer = finalTop1Arr.expandDims(0).repeat(0, c);   // [c, P, 1]
                NDArray answerLogit = logits.gather(answer, 2);
                float[] probFlat = probs.gather(answer, 2).toFloatArray();
                int[] rankFlat = logits.gt(answerLogit).sum(new int[] {-1}).add(1)
                        .toType(DataType.INT32, false).toIntArray();
                for (int j = 0; j < c; j++) {
                    int li = first + j;
                    int o = j * p;
                    lse[li] = Arrays.copyOfRange(lseFlat, o, o + p);
                    entropy[li] = Arrays.copyOfRange(entFlat, o, o + p);
                    kl[li] = Arrays.copyOfRange(klFlat, o, o + p);
                    top1Prob[li] = Arrays.copyOfRange(probFlat, o, o + p);
                    top1Rank[li] = Arrays.copyOfRange(rankFlat, o, o + p);
                    for (int pos = 0; pos < p; pos++) {
                        topk[li][pos] = Arrays.copyOfRange(topFlat, (o + pos) * k, (o + pos) * k + k);
                    }
                }
            }
        }

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
        NDArray stack = NDArrays.stack(normed, 1);                           // [P, L, D']
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

        SortedMap<Integer, String> vocabMap = new TreeMap<>();
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
                entropy, kl, finalTop1, top1Prob, top1Rank);
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
