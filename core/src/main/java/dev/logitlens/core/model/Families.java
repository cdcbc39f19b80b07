package dev.logitlens.core.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.model.gpt2.Gpt2Family;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The registry of supported families, by {@code model_type}. Explicit: no reflection, no scanning. */
public final class Families {
    private static final List<Family> ALL = List.of(
            new Gpt2Family(),
            new dev.logitlens.core.model.llama.LlamaFamily(),
            new dev.logitlens.core.model.opt.OptFamily(),
            new dev.logitlens.core.model.gptneox.GptNeoXFamily(),
            new dev.logitlens.core.model.gptj.GptJFamily(),
            new dev.logitlens.core.model.phi3.Phi3Family(),
            new dev.logitlens.core.model.gemma.GemmaFamily());

    private static final Map<String, Family> BY_TYPE = new TreeMap<>();

    static {
        for (Family f : ALL) {
            for (String type : f.modelTypes()) {
                if (BY_TYPE.put(type, f) != null) {
                    throw new IllegalStateException("model_type " + type + " registered twice");
                }
            }
        }
    }

    private Families() {}

    /** Supported model_type values, sorted. */
    public static List<String> supported() {
        return List.copyOf(BY_TYPE.keySet());
    }

    /** Finds the family of {@code checkpoint}'s model_type and loads it, or fails with the supported list. */
    public static LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype) {
        return load(checkpoint, manager, dtype, BlockStore.Residency.RESIDENT);
    }

    /** As {@link #load(Checkpoint, NDManager, DataType)}, the blocks held as {@code residency} says. */
    public static LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype,
                                 BlockStore.Residency residency) {
        String type = checkpoint.config().path("model_type").asText("");
        Family f = BY_TYPE.get(type);
        if (f == null) {
            throw new CheckpointException(checkpoint.dir().resolve(Checkpoint.CONFIG) + ": model_type '" + type
                    + "' is not supported. Supported model_types: " + String.join(", ", supported())
                    + " (see docs/models.md)");
        }
        return f.load(checkpoint, manager, dtype, residency);
    }
}
