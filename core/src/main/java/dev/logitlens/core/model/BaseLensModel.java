package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * What every family's model holds besides its forward pass: its config record, its weights, the manager that
 * owns them (closed with the model) and the {@link ModelInfo} read off the config and the embedding table.
 * Each family keeps its own {@link #blockOutputs}, written top to bottom.
 *
 * @param <C> the family's config record
 * @param <W> the family's weights record
 */
public abstract class BaseLensModel<C, W> implements LensModel {
    protected final C config;
    protected final W w;
    private final NDManager manager;
    private final ModelInfo info;

    /**
     * @param embedding the input embedding table; its dtype and device are the model's
     */
    protected BaseLensModel(C config, W weights, NDManager manager, String modelType, int numLayers, int hiddenSize,
                            int vocabSize, int maxPositions, NDArray embedding) {
        this.config = config;
        this.w = weights;
        this.manager = manager;
        this.info = new ModelInfo(modelType, numLayers, hiddenSize, vocabSize, maxPositions,
                embedding.getDataType().toString(), embedding.getDevice().toString());
    }

    /** One block of the residual stream: layer index and its input [T, D] to its output [T, D]. */
    @FunctionalInterface
    protected interface Block {
        NDArray apply(int layer, NDArray h);
    }

    /**
     * Runs {@code h} through blocks 0 .. L-1 in order.
     *
     * @return L arrays: the output of every block, in order
     */
    protected static NDList runBlocks(NDArray h, int numLayers, Block block) {
        NDList outputs = new NDList(numLayers);
        for (int i = 0; i < numLayers; i++) {
            h = block.apply(i, h);
            outputs.add(h);
        }
        return outputs;
    }

    public C config() {
        return config;
    }

    @Override
    public final ModelInfo info() {
        return info;
    }

    /** Full next-token logits [T, V]: the model's own output, through the last block, final norm and head. */
    public NDArray logits(NDArray inputIds) {
        NDList outs = blockOutputs(inputIds);
        return unembedding().logits(finalNorm(outs.get(outs.size() - 1)));
    }

    @Override
    public final void close() {
        manager.close();
    }
}
