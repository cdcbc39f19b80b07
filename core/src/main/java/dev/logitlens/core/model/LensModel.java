package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A causal language model in the standardized view the lens needs (as nnterp's
 * {@code StandardizedTransformer}): embedding, blocks, final norm, unembedding.
 *
 * <p>Shapes: B = 1 (one prompt per pass, so the batch axis is dropped), T = tokens, D = hidden size,
 * V = vocabulary. "Layer i" is the residual stream output by block i, after its residual add.
 */
public interface LensModel extends AutoCloseable {
    ModelInfo info();

    /**
     * One batched forward pass over the prompt (causal mask, no per-token loop).
     *
     * @param inputIds [T] int64 token ids, on the model's device
     * @return L arrays of [T, D]: the output of every block, in order, attached to {@code inputIds}' manager
     */
    NDList blockOutputs(NDArray inputIds);

    /** What the model applies to its last hidden state before unembedding: [.., D] → [.., D']. */
    NDArray finalNorm(NDArray hidden);

    /** The unembedding (tied or separate), with its bias and final soft-cap where the family has them. */
    Unembedding unembedding();

    @Override
    void close();
}
