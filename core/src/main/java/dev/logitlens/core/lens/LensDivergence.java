package dev.logitlens.core.lens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.model.LensModel;

/**
 * How far two lenses of the same block outputs disagree, per cell: {@code KL(transformed ‖ plain)} in nats
 * between the full next-token distributions, one layer's [P, V] at a time.
 */
final class LensDivergence {
    private LensDivergence() {}

    /** [L][P] for the block indices {@code layers}; 0 for the last block, which both lenses read unchanged. */
    static float[][] perCell(LensModel model, NDList outputs, int[] layers, LensCollector.HiddenTransform transform) {
        float[][] out = new float[layers.length][];
        for (int li = 0; li < layers.length; li++) {
            try (NDScope ignored = new NDScope()) {
                NDArray h = outputs.get(layers[li]);
                NDArray plain = logp(model, h);
                NDArray tuned = logp(model, transform.apply(layers[li], h));
                float[] kl = tuned.exp().mul(tuned.sub(plain)).sum(new int[] {-1}).toFloatArray();
                for (int p = 0; p < kl.length; p++) {
                    kl[p] = Math.max(0f, kl[p]); // ≥ 0 up to float rounding
                }
                out[li] = kl;
            }
        }
        return out;
    }

    private static NDArray logp(LensModel model, NDArray h) {
        NDArray z = model.unembedding().logits(model.finalNorm(h));
        return (z.getDataType() == DataType.FLOAT32 ? z : z.toType(DataType.FLOAT32, false)).logSoftmax(-1);
    }
}
