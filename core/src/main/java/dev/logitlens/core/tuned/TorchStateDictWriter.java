package dev.logitlens.core.tuned;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a state dict of float32 tensors as {@code torch.save} does (zip of {@code <folder>/data.pkl},
 * {@code <folder>/data/<i>}, {@code version}, {@code byteorder}; stored, not deflated), using only the globals
 * {@link TorchStateDict} allows, so {@code torch.load(..., weights_only=True)} reads it too.
 */
public final class TorchStateDictWriter {
    private TorchStateDictWriter() {}

    /** A tensor to write: row-major values and their shape. */
    public record Entry(long[] shape, float[] values) {}

    public static void write(Path file, Map<String, Entry> state) throws IOException {
        String folder = file.getFileName().toString().replaceFirst("\\.[^.]*$", "") + "/";
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(tmp))) {
            put(zip, folder + "data.pkl", pickle(state));
            put(zip, folder + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            int key = 0;
            for (Entry e : state.values()) {
                ByteBuffer b = ByteBuffer.allocate(e.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(e.values());
                put(zip, folder + "data/" + key++, b.array());
            }
            put(zip, folder + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void put(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTime(315532800000L); // 1980-01-01: the same bytes for the same state
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** Pickle protocol 2: OrderedDict() then SETITEMS of key → _rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()). */
    static byte[] pickle(Map<String, Entry> state) {
        Out o = new Out();
        o.op(0x80).op(2);
        o.global("collections", "OrderedDict").op(')').op('R');
        o.op('(');
        int key = 0;
        for (Map.Entry<String, Entry> e : state.entrySet()) {
            long[] shape = e.getValue().shape();
            o.str(e.getKey());
            o.global("torch._utils", "_rebuild_tensor_v2");
            o.op('(');
            o.op('(').str("storage").global("torch", "FloatStorage").str(Integer.toString(key++)).str("cpu")
                    .integer(e.getValue().values().length).op('t').op('Q');
            o.integer(0);
            o.op('(');
            for (long d : shape) {
                o.integer(d);
            }
            o.op('t');
            o.op('(');
            long stride = 1;
            long[] strides = new long[shape.length];
            for (int i = shape.length - 1; i >= 0; i--) {
                strides[i] = stride;
                stride *= shape[i];
            }
            for (long s : strides) {
                o.integer(s);
            }
            o.op('t');
            o.op(0x89);
            o.global("collections", "OrderedDict").op(')').op('R');
            o.op('t').op('R');
        }
        o.op('u').op('.');
        return o.bytes.toByteArray();
    }

    private static final class Out {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Out op(int c) {
            bytes.write(c);
            return this;
        }

        Out global(String module, String name) {
            bytes.writeBytes(("c" + module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Out str(String s) { // BINUNICODE
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            bytes.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(u.length).array());
            bytes.writeBytes(u);
            return this;
        }

        Out integer(long v) { // BININT
            op('J');
            bytes.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(Math.toIntExact(v)).array());
            return this;
        }
    }

    /** Writes {@code config.json} and {@code params.pt} of a lens folder as tuned-lens's TunedLens.save does. */
    public static void writeFolder(Path dir, TunedLensConfig config, float[][] weights, float[][] biases)
            throws IOException {
        Files.createDirectories(dir);
        Map<String, Entry> state = new java.util.LinkedHashMap<>();
        int d = config.dModel();
        for (int i = 0; i < weights.length; i++) {
            state.put(i + ".weight", new Entry(new long[] {d, d}, weights[i]));
            if (config.bias()) {
                state.put(i + ".bias", new Entry(new long[] {d}, biases[i]));
            }
        }
        write(dir.resolve(TunedLensFolder.PARAMS), state);
        Files.writeString(dir.resolve(TunedLensFolder.CONFIG), config.toJson());
    }

}
