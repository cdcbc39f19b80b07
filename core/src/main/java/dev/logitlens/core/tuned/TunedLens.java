package dev.logitlens.core.tuned;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A tuned lens on a model's device: the affine translators as NDArrays, applied to block outputs.
 *
 * <p>Index mapping: our layer {@code i} is the output of block {@code i}, which is tuned-lens's hidden state
 * {@code i + 1}, so it uses translator {@code i + 1}. The last block's output is the model's own final state:
 * tuned-lens has no translator for it and its lens is the model's output distribution.
 */
public final class TunedLens {
    private final TunedLensWeights source;
    private final NDArray[] weightsT; // [d_in, d_out]: h · Wᵀ
    private final NDArray[] biases;

    private TunedLens(TunedLensWeights source, NDArray[] weightsT, NDArray[] biases) {
        this.source = source;
        this.weightsT = weightsT;
        this.biases = biases;
    }

    /** Puts {@code w}'s translators on {@code manager}'s device in {@code dtype} (float32 or float16). */
    public static TunedLens on(TunedLensWeights w, NDManager manager, DataType dtype) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("translators are computed in float32 or float16, not " + dtype);
        }
        int n = w.numTranslators();
        int d = w.dModel();
        NDArray[] wt = new NDArray[n];
        NDArray[] b = new NDArray[n];
        for (int i = 0; i < n; i++) {
            wt[i] = manager.create(w.weights()[i], new Shape(d, d)).transpose().toType(dtype, false);
            b[i] = manager.create(w.biases()[i], new Shape(d)).toType(dtype, false);
        }
        return new TunedLens(w, wt, b);
    }

    public TunedLensWeights source() {
        return source;
    }

    /**
     * The translated state of block {@code block}'s output: {@code h + h·Wᵀ + b} with translator
     * {@code block + 1}, or {@code hidden} itself for the last block.
     *
     * @param hidden [.., d] in the model's compute dtype
     */
    public NDArray translate(int block, NDArray hidden) {
        int t = block + 1;
        if (block < 0 || t > weightsT.length) {
            throw new IllegalArgumentException("block " + block + " of a lens for " + weightsT.length + " blocks");
        }
        if (t == weightsT.length) {
            return hidden;
        }
        return hidden.add(hidden.matMul(weightsT[t])).add(biases[t]);
    }
}
