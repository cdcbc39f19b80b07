package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * A causal language model in the standardized view the lens needs (as nnterp's
 * {@code StandardizedTransformer}): embedding, blocks, final norm, unembedding.
 *
 * <p>Shapes: the prompts of a {@link Batch} are packed into N rows (no padding); D = hidden size,
 * V = vocabulary. "Layer i" is the residual stream output by block i, after its residual add.
 */
public interface LensModel extends AutoCloseable {
    ModelInfo info();

    /** The input embedding of every packed row (token, and learned positions where the family has them): [N, D]. */
    NDArray embed(Batch batch);

    /**
     * Block {@code i} over the packed rows, each prompt attending only to itself: [N, D] → [N, D]. The block's
     * weights are made ready here: resident ones are at hand, streamed ones are read (or were prefetched) and
     * released after the call.
     */
    NDArray block(int i, NDArray h, Batch batch);

    /** What the model applies to its last hidden state before unembedding: [.., D] → [.., D']. */
    NDArray finalNorm(NDArray hidden);

    /** The unembedding (tied or separate), with its bias and final soft-cap where the family has them. */
    Unembedding unembedding();

    /** How the block weights are held, and how much was read for them so far. */
    BlockStore<?> blocks();

    /**
     * One prompt through every block.
     *
     * @param inputIds [T] int64 token ids, on the model's device
     * @return L arrays of [T, D]: the output of every block, in order, attached to {@code inputIds}' manager
     */
    default NDList blockOutputs(NDArray inputIds) {
        Batch batch = Batch.single(inputIds);
        NDArray h = embed(batch);
        NDList outputs = new NDList(info().numLayers());
        for (int i = 0; i < info().numLayers(); i++) {
            h = block(i, h, batch);
            outputs.add(h);
        }
        return outputs;
    }

    @Override
    void close();
}
