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
            throw new LensException("the prompt is " + ids.length + " tokens long but the model accepts at most " + max);
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
        NDArray finalTop1Arr = finalLogits.argMax(-1).reshape(p, 1);         // [P, 1]
        int[] finalTop1 = finalTop1Arr.toType(DataType.INT32, false).toIntArray();

        int[][][] topk = new int[l][p][];
        float[][] entropy = new float[l][];
        float[][] kl = new float[l][];
        float[][] top1Prob = new float[l][];
        int[][] top1Rank = new int[l][];
        float[][] lse = new float[l][];
        NDList normed = new NDList(l);
        for (int li = 0; li < l; li++) {
            NDArray x = model.finalNorm(outputs.get(layers[li]));           // [P, D']
            normed.add(x);
            try (NDScope ignored = new NDScope()) {                          // free this layer's [P, V]
                NDArray logits = toF32(unembed.logits(x));                   // [P, V]
                NDArray logp = logits.logSoftmax(-1);
                NDArray probs = logp.exp();
                lse[li] = logits.get(":, 0").sub(logp.get(":, 0")).toFloatArray();
                int[] flat = logits.topK(k, -1, true, true).get(1).toType(DataType.INT32, false).toIntArray();
                for (int pos = 0; pos < p; pos++) {
                    topk[li][pos] = Arrays.copyOfRange(flat, pos * k, pos * k + k);
                }
                entropy[li] = probs.mul(logp).sum(new int[] {-1}).neg().toFloatArray();
                kl[li] = finalP.mul(finalLogp.sub(logp)).sum(new int[] {-1}).toFloatArray();
                NDArray answerLogit = logits.gather(finalTop1Arr, 1);        // [P, 1]
                top1Prob[li] = probs.gather(finalTop1Arr, 1).reshape(p).toFloatArray();
                top1Rank[li] = logits.gt(answerLogit).sum(new int[] {-1}).add(1)
                        .toType(DataType.INT32, false).toIntArray();
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
