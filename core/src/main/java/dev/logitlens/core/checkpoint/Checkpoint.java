package dev.logitlens.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.Sha256;
import dev.logitlens.core.djl.Djl;

import java.io.IOException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A Hugging Face model directory: {@code config.json}, the safetensors weights (one file or shards with
 * {@code model.safetensors.index.json}) and {@code tokenizer.json}. Weights stay memory-mapped until a
 * family asks for a tensor by name.
 */
public final class Checkpoint {
    public static final String CONFIG = "config.json";
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    public static final String TOKENIZER = "tokenizer.json";

    /**
     * Which file a model's weights are read from, in transformers' order (the hub download and this reader
     * both ask here): {@link #SINGLE} when present, else the shard {@link #INDEX}; null for neither.
     */
    public static String weightsFile(Predicate<String> present) {
        return present.test(SINGLE) ? SINGLE : present.test(INDEX) ? INDEX : null;
    }

    private final Path dir;
    private final JsonNode config;
    private final List<SafetensorsFile> files;
    private final Map<String, TensorInfo> tensors;

    private Checkpoint(Path dir, JsonNode config, List<SafetensorsFile> files, Map<String, TensorInfo> tensors) {
        this.dir = dir;
        this.config = config;
        this.files = files;
        this.tensors = tensors;
    }

    /** Opens a model directory, checking every file the lens needs before anything is loaded. */
    public static Checkpoint open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": model directory not found; point the model's path at a folder "
                    + "holding config.json, model.safetensors and tokenizer.json");
        }
        JsonNode config = readJson(dir.resolve(CONFIG), "the model's config.json (save it with "
                + "model.save_pretrained or download it with the weights)");
        if (!config.isObject()) {
            throw new CheckpointException(dir.resolve(CONFIG) + ": expected a JSON object");
        }
        if (!Files.isRegularFile(dir.resolve(TOKENIZER))) {
            throw new CheckpointException(dir.resolve(TOKENIZER) + ": missing; the lens needs the fast tokenizer file "
                    + "(save it with tokenizer.save_pretrained, which writes tokenizer.json)");
        }
        List<SafetensorsFile> files = new ArrayList<>();
        Path index = dir.resolve(INDEX);
        Path single = dir.resolve(SINGLE);
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        String weights = weightsFile(name -> Files.isRegularFile(dir.resolve(name)));
        if (INDEX.equals(weights)) {
            JsonNode map = readJson(index, "the shard index").path("weight_map");
            if (!map.isObject()) {
                throw new CheckpointException(index + ": no 'weight_map' object");
            }
            Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String shard = e.getValue().asText();
                if (shard.contains("/") || shard.contains("\\") || shard.contains("..")) {
                    throw new CheckpointException(index + ": shard name '" + shard + "' of tensor '" + e.getKey()
                            + "' must be a file name in the model directory");
                }
                SafetensorsFile f = byName.get(shard);
                if (f == null) {
                    Path p = dir.resolve(shard);
                    if (!Files.isRegularFile(p)) {
                        throw new CheckpointException(p + ": shard listed in " + INDEX + " (for tensor '" + e.getKey()
                                + "') is missing; download all shards");
                    }
                    f = SafetensorsFile.open(p);
                    byName.put(shard, f);
                    files.add(f);
                }
                TensorInfo t = f.tensors().get(e.getKey());
                if (t == null) {
                    throw new CheckpointException(f.file() + ": tensor '" + e.getKey() + "' is listed in " + INDEX
                            + " but not present in this shard");
                }
                tensors.put(e.getKey(), t);
            }
        } else if (SINGLE.equals(weights)) {
            SafetensorsFile f = SafetensorsFile.open(single);
            files.add(f);
            tensors.putAll(f.tensors());
        } else {
            throw new CheckpointException(dir + ": no model.safetensors or model.safetensors.index.json; logitlens reads "
                    + "safetensors only (convert .bin weights with model.save_pretrained(dir, safe_serialization=True))");
        }
        return new Checkpoint(dir, config, List.copyOf(files), Collections.unmodifiableMap(tensors));
    }

    private static JsonNode readJson(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + ": missing; it should hold " + what);
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    public Path dir() {
        return dir;
    }

    public JsonNode config() {
        return config;
    }

    public Path tokenizerFile() {
        return dir.resolve(TOKENIZER);
    }

    public Set<String> names() {
        return new TreeSet<>(tensors.keySet());
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(dir + ": tensor '" + name + "' is missing from the weights; the checkpoint "
                    + "does not match its config.json (model_type " + config.path("model_type").asText("?") + ")");
        }
        return t;
    }

    /** The dtype of the floating-point weights on disk (of the first float tensor). */
    public TensorDtype storageDtype() {
        return tensors.values().stream().map(TensorInfo::dtype).filter(TensorDtype::isFloat).findFirst()
                .orElse(TensorDtype.F32);
    }

    /** Hex sha256 identifying the weights (see {@link SafetensorsFile#digest}). */
    public String weightsHash() {
        MessageDigest md = Sha256.digest();
        for (SafetensorsFile f : files) {
            md.update(f.file().getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            f.digest(md);
        }
        return Sha256.hex(md);
    }

    /**
     * Loads one tensor into {@code manager} as {@code target} (FLOAT32 or FLOAT16), checking its shape.
     * BF16 is widened to F32 here in Java: DJL's PyTorch JNI aborts the JVM on BFLOAT16 arrays.
     */
    public NDArray load(String name, NDManager manager, DataType target, long... expectedShape) {
        return load(name, manager, target, null, expectedShape);
    }

    /**
     * {@link #load(String, NDManager, DataType, long...)}, a BF16 tensor widened to float32 into {@code into} (a
     * float32 tensor of its shape on {@code manager}, whose contents are overwritten) when given; otherwise
     * {@code into} is closed unused.
     */
    public NDArray load(String name, NDManager manager, DataType target, NDArray into, long... expectedShape) {
        TensorInfo t = info(name);
        if (expectedShape.length > 0 && !java.util.Arrays.equals(t.shape(), expectedShape)) {
            throw new CheckpointException(t.file() + ": tensor '" + name + "' has shape " + t.shapeString()
                    + " but config.json implies " + java.util.Arrays.toString(expectedShape));
        }
        if (!t.dtype().isFloat()) {
            throw new CheckpointException(t.file() + ": tensor '" + name + "' is " + t.dtype() + ", expected a float type");
        }
        Djl.engine();
        SafetensorsFile file = files.stream().filter(f -> f.file().equals(t.file())).findFirst().orElseThrow();
        ByteBuffer raw = file.map(t);
        Shape shape = new Shape(t.shape());
        NDArray array;
        switch (t.dtype()) {
            case F32 -> array = manager.create(raw, shape, DataType.FLOAT32);
            case F16 -> array = manager.create(raw, shape, DataType.FLOAT16);
            case BF16 -> array = into != null && target == DataType.FLOAT32
                    ? widenBf16Into(raw.asShortBuffer(), t.numElements(), into.reshape(t.numElements())).reshape(shape)
                    : widenBf16(raw.asShortBuffer(), t.numElements(), manager).reshape(shape);
            default -> throw new IllegalStateException();
        }
        if (into != null && (t.dtype() != TensorDtype.BF16 || target != DataType.FLOAT32)) {
            into.close();
        }
        return array.getDataType() == target ? array : convert(array, target);
    }

    private static NDArray convert(NDArray a, DataType target) {
        NDArray c = a.toType(target, false);
        a.close();
        return c;
    }

    /**
     * Elements widened per step into a CPU tensor's own memory: 128 KiB of bf16 and 256 KiB of bits, so that both heap
     * copies stay in the core's own cache while the products beside it fill the shared one (measured on a streamed
     * Llama-7B pass: 15.4–17.1 s against 16.6–17.9 s with 4M-element steps, whose 24 MiB of copies went to memory and
     * back).
     */
    private static final int WIDEN_CHUNK = 1 << 16;

    /** Elements per step through the scratch buffer to a tensor off the CPU (16 MiB of float32): fewer, larger copies. */
    private static final int UPLOAD_CHUNK = 4 << 20;

    /**
     * One scratch per thread (the loading thread and a streamed model's prefetch threads), reused for every tensor.
     * Its direct buffer is made only for a tensor off the CPU: a direct buffer per tensor would pile up against the
     * JVM's direct-memory limit until the GC frees them.
     */
    private static final ThreadLocal<Scratch> SCRATCH = new ThreadLocal<>();

    private static final class Scratch {
        final short[] halves;
        final int[] bits;
        private ByteBuffer buffer;

        Scratch(int size) {
            halves = new short[size];
            bits = new int[size];
        }

        ByteBuffer buffer() {
            if (buffer == null) {
                buffer = ByteBuffer.allocateDirect(bits.length * 4).order(ByteOrder.nativeOrder());
            }
            return buffer;
        }
    }

    static NDArray widenBf16(ShortBuffer src, long n, NDManager manager) {
        return widenBf16Into(src, n, manager.create(new Shape(n), DataType.FLOAT32));
    }

    static NDArray widenBf16(ShortBuffer src, long n, NDManager manager, int chunkElements) {
        NDArray out = manager.create(new Shape(n), DataType.FLOAT32);
        return widenBf16Into(src, n, out, chunkElements, inPlace(out));
    }

    /**
     * Widens {@code n} bf16 values into {@code out} [n] float32. bf16 is the top half of an f32: each chunk is shifted
     * into place on the heap (bulk copies: element-wise buffer access is several times slower), then written into
     * {@code out}. On the CPU straight into the tensor's own memory through a view of it; elsewhere through the
     * scratch direct buffer, a tensor made of it and copied in (measured on the CPU: the view 1.5× faster, 32 against
     * 49 ms for 45M values).
     */
    static NDArray widenBf16Into(ShortBuffer src, long n, NDArray out) {
        boolean inPlace = inPlace(out);
        return widenBf16Into(src, n, out, inPlace ? WIDEN_CHUNK : UPLOAD_CHUNK, inPlace);
    }

    private static boolean inPlace(NDArray out) {
        return !out.getDevice().isGpu() && out instanceof PtNDArray;
    }

    /** @param inPlace whether {@code out} (a CPU tensor) is written through a view of its memory */
    static NDArray widenBf16Into(ShortBuffer src, long n, NDArray out, int chunkElements, boolean inPlace) {
        int size = (int) Math.min(n, chunkElements);
        Scratch s = SCRATCH.get();
        if (s == null || s.halves.length < size) {
            s = new Scratch(size);
            SCRATCH.set(s);
        }
        IntBuffer view = inPlace ? ((PtNDArray) out).toByteBuffer(true).order(ByteOrder.nativeOrder()).asIntBuffer()
                : null;
        short[] halves = s.halves;
        int[] bits = s.bits;
        for (long off = 0; off < n; off += chunkElements) {
            int len = (int) Math.min(chunkElements, n - off);
            src.get((int) off, halves, 0, len);
            for (int i = 0; i < len; i++) {
                bits[i] = halves[i] << 16; // the sign extension is shifted out
            }
            if (view != null) {
                view.put((int) off, bits, 0, len);
                continue;
            }
            ByteBuffer scratch = s.buffer();
            scratch.asIntBuffer().put(0, bits, 0, len);
            ByteBuffer chunk = scratch.duplicate().order(ByteOrder.nativeOrder()).limit(len * 4);
            try (NDArray part = out.getManager().create(chunk, new Shape(len), DataType.FLOAT32)) {
                out.set(new ai.djl.ndarray.index.NDIndex(off + ":" + (off + len)), part);
            }
        }
        return out;
    }
}
