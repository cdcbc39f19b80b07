package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;

/**
 * The unembedding {@code logits = x · Wᵀ + b}, then the final logit soft-cap {@code c·tanh(z/c)} where
 * the family has one (Gemma 2/3). The cap is part of the model's output, so every layer's lens gets it.
 *
 * @param weight  [V, D'] (the embedding matrix itself when tied)
 * @param bias    [V] or null
 * @param softcap the cap c, or 0 for none
 */
public record Unembedding(NDArray weight, NDArray bias, float softcap) {
    /** [.., D'] → [.., V]. */
    public NDArray logits(NDArray x) {
        NDArray z = x.matMul(weight.transpose());
        return finish(z, bias);
    }

    /** Logits of a subset of ids: {@code rows} = weight rows [n, D'], {@code rowBias} [n] or null. */
    public NDArray logitsOf(NDArray x, NDArray rows, NDArray rowBias) {
        return finish(x.matMul(rows.transpose()), rowBias);
    }

    private NDArray finish(NDArray z, NDArray b) {
        if (b != null) {
            z = z.add(b);
        }
        if (softcap > 0) {
            z = z.div(softcap).tanh().mul(softcap);
        }
        return z;
    }
}
