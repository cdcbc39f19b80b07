package dev.logitlens.core.lens;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.model.Families;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.tokenizer.LensTokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A model loaded for lensing: checkpoint, tokenizer and forward pass, owning one {@link NDManager} that
 * holds the weights. Load once, collect many prompts, close to release the native memory.
 */
public final class LensSession implements AutoCloseable {
    private final LensTokenizer tokenizer;
    private final LensModel model;
    private final NDManager manager;
    private final LensCollector collector;
    private final String name;

    private LensSession(LensTokenizer tokenizer, LensModel model, NDManager manager, String name) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.manager = manager;
        this.collector = new LensCollector(model, tokenizer, manager);
        this.name = name;
    }

    /**
     * Opens {@code dir} on {@code device}.
     *
     * @param dtype {@code auto} (float32 on CPU; float16 on a GPU when the weights are stored in 16 bits),
     *              {@code float32}, {@code float16} or {@code bfloat16} (computed as float32: see README)
     */
    public static LensSession open(Path dir, String name, Device device, String dtype) {
        Checkpoint checkpoint = Checkpoint.open(dir);
        return open(checkpoint, name, device, computeType(dtype, device, checkpoint),
                dev.logitlens.core.model.BlockStore.Residency.RESIDENT);
    }

    /**
     * Opens an already opened checkpoint with its compute dtype resolved ({@link #computeType}) and its blocks held
     * as {@code residency} says ({@link MemoryPlan}).
     */
    public static LensSession open(Checkpoint checkpoint, String name, Device device, DataType compute,
                                   dev.logitlens.core.model.BlockStore.Residency residency) {
        Djl.engine();
        dev.logitlens.core.model.Gemm.cpuKernel(); // a bad -Dlogitlens.cpuMatmul fails here, before any work
        LensTokenizer tokenizer = LensTokenizer.load(checkpoint.tokenizerFile());
        NDManager manager = NDManager.newBaseManager(device);
        try {
            LensModel model = Families.load(checkpoint, manager, compute, residency);
            return new LensSession(tokenizer, model, manager, name);
        } catch (RuntimeException e) {
            manager.close();
            tokenizer.close();
            throw e;
        }
    }

    /** The dtype weights and activations are computed in: the one place {@code dtype} is resolved. */
    public static DataType computeType(String dtype, Device device, Checkpoint checkpoint) {
        String d = dtype == null ? "auto" : dtype.toLowerCase(Locale.ROOT);
        return switch (d) {
            // fp16 matmuls are very slow on CPUs; a GPU runs 16-bit weights in fp16 (bf16 cannot be handed to DJL).
            case "auto" -> device.isGpu() && checkpoint.storageDtype() != dev.logitlens.core.checkpoint.TensorDtype.F32
                    ? DataType.FLOAT16 : DataType.FLOAT32;
            case "float32", "bfloat16" -> DataType.FLOAT32;
            case "float16" -> DataType.FLOAT16;
            default -> throw new LensException("dtype '" + dtype + "' is not one of auto, float32, float16, bfloat16");
        };
    }

    public LensResult collect(String prompt, int k, int[] layers) {
        return collector.collect(prompt, k, layers);
    }

    /** As {@link #collect(String, int, int[])}, also measuring answer groups at the last position. */
    public LensResult collect(String prompt, int k, int[] layers, List<AnswerProbe.Group> answers) {
        return collector.collect(prompt, k, layers, answers);
    }

    /** All of {@code requests} in one pass over the model where their layers agree; see {@link LensCollector#collectAll}. */
    public List<LensCollector.Outcome> collectAll(List<LensCollector.Request> requests, ModelPass.Listener listener) {
        return collector.collectAll(requests, listener);
    }

    /**
     * Puts a tuned lens on this model's device, after checking it fits (d_model and num_hidden_layers, with
     * both numbers when not) and warning through {@code warn} when its unembed_hash is another model's.
     */
    public dev.logitlens.core.tuned.TunedLens tunedLens(dev.logitlens.core.tuned.TunedLensWeights lens,
                                                        java.util.function.Consumer<String> warn) {
        ai.djl.ndarray.NDArray weight = model.unembedding().weight();
        String hash = null;
        if (lens.config().unembedHash() != null) {
            hash = dev.logitlens.core.tuned.UnembedHash.of(r -> {
                try (ai.djl.ndarray.NDArray row = weight.get(r); ai.djl.ndarray.NDArray f = row.toType(DataType.FLOAT32, false)) {
                    return f.toFloatArray();
                }
            }, (int) weight.getShape().get(0), (int) weight.getShape().get(1));
        }
        lens.checkFits(name, model.info().numLayers(), model.info().hiddenSize(), hash, warn);
        return dev.logitlens.core.tuned.TunedLens.on(lens, manager,
                weight.getDataType() == DataType.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT32);
    }

    /** Logit lens and tuned lens of one prompt from one forward pass. */
    public LensCollector.Both collect(String prompt, int k, int[] layers, List<AnswerProbe.Group> answers,
                                      dev.logitlens.core.tuned.TunedLens tuned) {
        return collector.collect(prompt, k, layers, answers, tuned::translate);
    }

    public LensTokenizer tokenizer() {
        return tokenizer;
    }

    public LensModel model() {
        return model;
    }

    @Override
    public void close() {
        collector.close();
        model.close();
        manager.close();
        tokenizer.close();
    }
}
