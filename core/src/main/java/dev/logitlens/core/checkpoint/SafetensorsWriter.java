package dev.logitlens.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes float tensors as a {@code .safetensors} file in F32, F16 or BF16 (round to nearest even),
 * atomically. Used by the demo trainer, the benchmarks and the tests' random checkpoints.
 */
public final class SafetensorsWriter {
    private record Entry(float[] data, long[] shape) {}

    private final Map<String, Entry> tensors = new LinkedHashMap<>();
    private final TensorDtype dtype;

    public SafetensorsWriter(TensorDtype dtype) {
        if (!dtype.isFloat()) {
            throw new IllegalArgumentException("only float dtypes are written");
        }
        this.dtype = dtype;
    }

    public SafetensorsWriter add(String name, float[] data, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " values for shape " + java.util.Arrays.toString(shape));
        }
        tensors.put(name, new Entry(data, shape));
        return this;
    }

    public void write(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            long bytes = (long) e.getValue().data.length * dtype.bytes();
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype.name());
            var shape = t.putArray("shape");
            for (long d : e.getValue().shape) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = json.writeValueAsBytes(header);
        int pad = (8 - h.length % 8) % 8; // keep the data 8-byte aligned, as the reference writer does
        byte[] padded = new byte[h.length + pad];
        System.arraycopy(h, 0, padded, 0, h.length);
        java.util.Arrays.fill(padded, h.length, padded.length, (byte) ' ');
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length).array());
            out.write(padded);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : tensors.values()) {
                for (float v : e.data) {
                    if (buf.remaining() < 4) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    switch (dtype) {
                        case F32 -> buf.putFloat(v);
                        case F16 -> buf.putShort(Float16.fromFloat(v));
                        case BF16 -> buf.putShort(toBf16(v));
                        default -> throw new IllegalStateException();
                    }
                }
            }
            out.write(buf.array(), 0, buf.position());
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** f32 → bf16 with round-to-nearest-even, as torch does. */
    public static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) 0x7fc0;
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** The value a stored bf16 stands for. */
    public static float fromBf16(short s) {
        return Float.intBitsToFloat((s & 0xffff) << 16);
    }
}
