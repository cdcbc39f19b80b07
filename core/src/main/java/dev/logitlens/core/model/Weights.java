package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.CheckpointException;

/**
 * Loads a family's tensors by their Hugging Face names, with or without the base-model prefix
 * ({@code transformer.}, {@code model.}, ...), the way {@code from_pretrained} accepts both.
 */
public final class Weights {
    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final DataType dtype;
    private final String prefix;
    private final java.util.concurrent.atomic.AtomicLong bytesLoaded;

    /**
     * @param probe a tensor name (without prefix) every checkpoint of the family has, used to detect
     *              which of {@code prefixes} this checkpoint uses
     */
    public Weights(Checkpoint checkpoint, NDManager manager, DataType dtype, String probe, String... prefixes) {
        this.checkpoint = checkpoint;
        this.manager = manager;
        this.dtype = dtype;
        String found = null;
        for (String p : prefixes) {
            if (checkpoint.has(p + probe)) {
                found = p;
                break;
            }
        }
        if (found == null) {
            throw new CheckpointException(checkpoint.dir() + ": tensor '" + probe + "' (or with a prefix of "
                    + String.join(", ", prefixes) + ") is missing; the weights do not belong to a "
                    + checkpoint.config().path("model_type").asText("?") + " model (found e.g. "
                    + checkpoint.names().stream().limit(3).toList() + ")");
        }
        this.prefix = found;
        this.bytesLoaded = new java.util.concurrent.atomic.AtomicLong();
    }

    private Weights(Weights other, NDManager manager) {
        this.checkpoint = other.checkpoint;
        this.manager = manager;
        this.dtype = other.dtype;
        this.prefix = other.prefix;
        this.bytesLoaded = new java.util.concurrent.atomic.AtomicLong(); // its own: blocks load concurrently
    }

    /** The same tensors, loaded onto {@code manager} (a streamed block's own sub-manager). */
    public Weights on(NDManager manager) {
        return new Weights(this, manager);
    }

    /** Bytes of checkpoint data loaded through this object (not those made by {@link #on}: each counts its own). */
    public long bytesLoaded() {
        return bytesLoaded.get();
    }

    public NDManager manager() {
        return manager;
    }

    public DataType dtype() {
        return dtype;
    }

    /** Loads {@code prefix + name}, checking its shape. */
    public NDArray get(String name, long... shape) {
        return getUnprefixed(prefix + name, shape);
    }

    /** Loads {@code prefix + name} if present (optional biases), else null. */
    public NDArray optional(String name, long... shape) {
        return has(name) ? get(name, shape) : null;
    }

    /**
     * Loads {@code prefix + name} when the config says the tensor exists ({@code present}), else null; unlike
     * {@link #optional}, a promised tensor that is missing fails, naming it.
     */
    public NDArray getIf(boolean present, String name, long... shape) {
        return present ? get(name, shape) : null;
    }

    public boolean has(String name) {
        return checkpoint.has(prefix + name);
    }

    /** A tensor outside the base model (e.g. {@code lm_head.weight}), which never carries the prefix. */
    public NDArray getUnprefixed(String name, long... shape) {
        NDArray a = checkpoint.load(name, manager, dtype, shape);
        var t = checkpoint.info(name);
        bytesLoaded.addAndGet(t.end() - t.start());
        return a;
    }

    public boolean hasUnprefixed(String name) {
        return checkpoint.has(name);
    }
}
