package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.checkpoint.TensorDtype;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loads a family's tensors by their Hugging Face names, with or without the base-model prefix
 * ({@code transformer.}, {@code model.}, ...), the way {@code from_pretrained} accepts both.
 */
public final class Weights {
    private final Checkpoint checkpoint;
    private final NDManager manager;
    private final DataType dtype;
    private final String prefix;
    private final AtomicLong bytesLoaded;
    private final Recycler recycler;                 // tensors to widen into, or null
    private final List<NDArray> loaded;    // what this copy widened, for the recycler; null if none

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
        this.bytesLoaded = new AtomicLong();
        this.recycler = null;
        this.loaded = null;
    }

    private Weights(Weights other, NDManager manager, Recycler recycler) {
        this.checkpoint = other.checkpoint;
        this.manager = manager;
        this.dtype = other.dtype;
        this.prefix = other.prefix;
        this.bytesLoaded = new AtomicLong(); // its own: blocks load concurrently
        this.recycler = recycler;
        this.loaded = recycler == null ? null : Collections.synchronizedList(new ArrayList<>());
    }

    /** The same tensors, loaded onto {@code manager} (a streamed block's own sub-manager). */
    public Weights on(NDManager manager) {
        return new Weights(this, manager, null);
    }

    /** {@link #on}, widening into tensors {@code recycler} keeps where it has one of the shape. */
    Weights on(NDManager manager, Recycler recycler) {
        return new Weights(this, manager, recycler);
    }

    /** The tensors this copy widened from BF16 (for {@link #on(NDManager, Recycler)} only). */
    List<NDArray> loaded() {
        return loaded == null ? List.of() : List.copyOf(loaded);
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

    /**
     * A Conv1D weight {@code prefix + name} [in, out] (GPT-2's layout) as an {@code nn.Linear} weight [out, in], the
     * layout {@link Ops#linear} reads: copied once here rather than transposed in every product. The file's tensor is
     * let go, unless it was widened into a recycled tensor, which goes back to the recycler with its block.
     */
    public NDArray getConv1D(String name, long in, long out) {
        NDArray a = get(name, in, out);
        NDArray linear = Ops.transposed(a);
        if (loaded == null || !loaded.contains(a)) {
            a.close();
        }
        return linear;
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
        var t = checkpoint.info(name);
        // Only tensors widened from BF16 own their memory (an F32 or F16 one may be the mapped file's): only they
        // are filled from, and given back to, the recycler.
        boolean widened = recycler != null && t.dtype() == TensorDtype.BF16 && dtype == DataType.FLOAT32;
        NDArray into = widened ? recycler.take(new Shape(t.shape()), manager) : null;
        NDArray a = checkpoint.load(name, manager, dtype, into, shape);
        if (widened) {
            loaded.add(a);
        }
        bytesLoaded.addAndGet(t.end() - t.start());
        return a;
    }

    public boolean hasUnprefixed(String name) {
        return checkpoint.has(name);
    }
}
