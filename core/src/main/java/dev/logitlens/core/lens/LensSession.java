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

    private LensSession(LensTokenizer tokenizer, LensModel model, NDManager manager, String name) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.manager = manager;
        this.collector = new LensCollector(name, model, tokenizer, manager);
    }

    /**
     * Opens {@code dir} on {@code device}.
     *
     * @param dtype {@code auto} (float32 on CPU; float16 on a GPU when the weights are stored in 16 bits),
     *              {@code float32}, {@code float16} or {@code bfloat16} (computed as float32: see README)
     */
    public static LensSession open(Path dir, String name, Device device, String dtype) {
        Djl.engine();
        Checkpoint checkpoint = Checkpoint.open(dir);
        DataType compute = computeType(dtype, device, checkpoint);
        LensTokenizer tokenizer = LensTokenizer.load(checkpoint.tokenizerFile());
        NDManager manager = NDManager.newBaseManager(device);
        try {
            LensModel model = Families.load(checkpoint, manager, compute);
            return new LensSession(tokenizer, model, manager, name);
        } catch (RuntimeException e) {
            manager.close();
            tokenizer.close();
            throw e;
        }
    }

    static DataType computeType(String dtype, Device device, Checkpoint checkpoint) {
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
    public LensResult collect(String prompt, int k, int[] layers, java.util.List<AnswerProbe.Group> answers) {
        return collector.collect(prompt, k, layers, answers);
    }

    public LensTokenizer tokenizer() {
        return tokenizer;
    }

    public LensModel model() {
        return model;
    }

    @Override
    public void close() {
        model.close();
        manager.close();
        tokenizer.close();
    }
}
