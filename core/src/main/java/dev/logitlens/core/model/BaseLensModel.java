package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * What every family's model holds besides its forward pass: its config record, its resident weights (embedding,
 * final norm, head), its blocks' weights (resident or streamed, see {@link BlockStore}), the manager that owns
 * them (closed with the model) and the {@link ModelInfo} read off the config and the embedding table. Each family
 * keeps its own {@link #embed} and {@link #block(int, Object, NDArray, Batch)}, written top to bottom.
 *
 * @param <C> the family's config record
 * @param <W> the family's resident weights record
 * @param <B> the family's block weights record
 */
public abstract class BaseLensModel<C, W, B> implements LensModel {
    protected final C config;
    protected final W w;
    private final BlockStore<B> blocks;
    private final NDManager manager;
    private final ModelInfo info;

    /**
     * @param embedding the input embedding table; its dtype and device are the model's
     */
    protected BaseLensModel(C config, W weights, BlockStore<B> blocks, NDManager manager, String modelType,
                            int numLayers, int hiddenSize, int vocabSize, int maxPositions, NDArray embedding) {
        this.config = config;
        this.w = weights;
        this.blocks = blocks;
        this.manager = manager;
        this.info = new ModelInfo(modelType, numLayers, hiddenSize, vocabSize, maxPositions,
                embedding.getDataType().toString(), embedding.getDevice().toString());
    }

    /** One block of the residual stream over packed rows: layer index, its weights and input [N, D] → [N, D]. */
    protected abstract NDArray block(int layer, B b, NDArray h, Batch batch);

    @Override
    public final NDArray block(int i, NDArray h, Batch batch) {
        B b = blocks.acquire(i);
        try {
            return block(i, b, h, batch);
        } finally {
            blocks.release(i);
        }
    }

    @Override
    public final BlockStore<B> blocks() {
        return blocks;
    }

    public C config() {
        return config;
    }

    @Override
    public final ModelInfo info() {
        return info;
    }

    /** Full next-token logits [N, V] of packed prompts: the model's own output, through every block and the head. */
    public NDArray logits(Batch batch) {
        NDArray h = embed(batch);
        for (int i = 0; i < info.numLayers(); i++) {
            h = block(i, h, batch);
        }
        return unembedding().logits(finalNorm(h));
    }

    /** {@link #logits(Batch)} of one prompt, {@code inputIds} [T]. */
    public NDArray logits(NDArray inputIds) {
        return logits(Batch.single(inputIds));
    }

    @Override
    public final void close() {
        blocks.close();
        manager.close();
    }
}
