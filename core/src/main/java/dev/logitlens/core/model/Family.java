package dev.logitlens.core.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;

import java.util.List;

/** One model family: the {@code model_type}s it reads and how to build its forward pass. */
public interface Family {
    /** config.json {@code model_type} values this family loads. */
    List<String> modelTypes();

    /**
     * Builds the model with its weights in {@code manager} (which the model then owns).
     *
     * @param dtype compute dtype (FLOAT32, or FLOAT16 on a GPU)
     */
    default LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype) {
        return load(checkpoint, manager, dtype, BlockStore.Residency.RESIDENT);
    }

    /**
     * As {@link #load(Checkpoint, NDManager, DataType)}, with the blocks' weights held as {@code residency} says
     * (the embedding, final norm and head are always resident).
     */
    LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype, BlockStore.Residency residency);
}
