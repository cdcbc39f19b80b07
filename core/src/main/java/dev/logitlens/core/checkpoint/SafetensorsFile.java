package dev.logitlens.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code .safetensors} file: its header, parsed and bounds-checked, and memory-mapped access to its
 * tensors. The data is never read onto the heap as a whole; each tensor is mapped when asked for.
 */
public final class SafetensorsFile {
    /** Headers above this are not plausible and would only be a lying length field. */
    private static final long MAX_HEADER = 100L << 20;

    private final Path file;
    private final long fileSize;
    private final Map<String, TensorInfo> tensors;
    private final byte[] headerBytes;

    private SafetensorsFile(Path file, long fileSize, Map<String, TensorInfo> tensors, byte[] headerBytes) {
        this.file = file;
        this.fileSize = fileSize;
        this.tensors = tensors;
        this.headerBytes = headerBytes;
    }

    public Path file() {
        return file;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** Reads and validates the header. Fails with a message naming the file and the tensor at fault. */
    public static SafetensorsFile open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "the file is " + size + " bytes long, too short for a safetensors header (truncated download?)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw bad(file, "the header length field says " + headerLen + " bytes but the file has " + size
                        + " bytes (truncated or not a safetensors file)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            byte[] headerBytes = hb.array();
            JsonNode header;
            try {
                header = new ObjectMapper().readTree(new String(headerBytes, StandardCharsets.UTF_8).trim());
            } catch (IOException e) {
                throw bad(file, "the header is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            if (header == null || !header.isObject()) {
                throw bad(file, "the header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            Map<String, TensorInfo> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                if (name.equals("__metadata__")) {
                    continue;
                }
                out.put(name, parseTensor(file, name, e.getValue(), dataStart, dataSize));
            }
            checkOverlaps(file, out);
            return new SafetensorsFile(file, size, Collections.unmodifiableMap(out), headerBytes);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode node, long dataStart, long dataSize) {
        String dt = node.path("dtype").asText(null);
        TensorDtype dtype = dt == null ? null : TensorDtype.parse(dt);
        if (dtype == null) {
            throw bad(file, "tensor '" + name + "' has unsupported dtype " + dt + " (supported: "
                    + TensorDtype.supported() + "); convert the checkpoint to one of them");
        }
        JsonNode shapeNode = node.path("shape");
        JsonNode offs = node.path("data_offsets");
        if (!shapeNode.isArray() || !offs.isArray() || offs.size() != 2) {
            throw bad(file, "tensor '" + name + "' has no valid shape/data_offsets in the header");
        }
        long[] shape = new long[shapeNode.size()];
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 0) {
                throw bad(file, "tensor '" + name + "' has a negative dimension in its shape");
            }
            try {
                n = Math.multiplyExact(n, shape[i]);
            } catch (ArithmeticException e) {
                throw bad(file, "tensor '" + name + "' has shape " + shapeNode + ", whose element count does not"
                        + " fit in 64 bits: the header is corrupt; re-download or re-save the checkpoint");
            }
        }
        long begin = offs.get(0).asLong(-1);
        long end = offs.get(1).asLong(-1);
        if (begin < 0 || end < begin) {
            throw bad(file, "tensor '" + name + "' has invalid data_offsets [" + begin + ", " + end + "]");
        }
        if (end > dataSize) {
            throw bad(file, "tensor '" + name + "' ends at byte " + end + " of the data section, past its end ("
                    + dataSize + " bytes): the file is truncated or its header lies");
        }
        long expected;
        try {
            expected = Math.multiplyExact(n, (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw bad(file, "tensor '" + name + "' has shape " + shapeNode + ", whose size in bytes does not"
                    + " fit in 64 bits: the header is corrupt; re-download or re-save the checkpoint");
        }
        if (end - begin != expected) {
            throw bad(file, "tensor '" + name + "' has " + (end - begin) + " bytes but shape "
                    + java.util.Arrays.toString(shape) + " of " + dtype + " needs " + expected);
        }
        return new TensorInfo(name, file, dtype, shape, dataStart + begin, dataStart + end);
    }

    private static void checkOverlaps(Path file, Map<String, TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::start).thenComparingLong(TensorInfo::end));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo a = sorted.get(i - 1);
            TensorInfo b = sorted.get(i);
            if (b.start() < a.end() && b.end() > b.start() && a.end() > a.start()) {
                throw bad(file, "tensors '" + a.name() + "' and '" + b.name() + "' overlap in the data section: "
                        + "the header is corrupt");
            }
        }
    }

    /** Maps the bytes of one tensor (little-endian). Tensors over 2 GiB are refused with the fix. */
    public ByteBuffer map(TensorInfo t) {
        long len = t.end() - t.start();
        if (len > Integer.MAX_VALUE) {
            throw new CheckpointException(file + ": tensor '" + t.name() + "' is " + len
                    + " bytes, over the 2 GiB a single mapping holds; re-shard the checkpoint with smaller tensors");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, t.start(), len);
            return buf.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot map tensor '" + t.name() + "' (" + e.getMessage() + ")", e);
        }
    }

    /** Files up to this size are hashed whole; larger ones by header, size and evenly spaced samples. */
    private static final long FULL_HASH_LIMIT = 256L << 20;
    private static final int SAMPLES = 32;
    private static final int SAMPLE_BYTES = 64 << 10;

    /**
     * Updates {@code md} with what identifies these weights: header, size and data. Small files are
     * hashed whole; for large ones 32 samples of 64 KiB spread over the data catch any retraining or
     * conversion without reading gigabytes (a single edited weight could slip through: documented).
     */
    void digest(MessageDigest md) {
        md.update(headerBytes);
        md.update(ByteBuffer.allocate(8).putLong(fileSize).array());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long dataStart = 8L + headerBytes.length;
            long dataLen = fileSize - dataStart;
            if (fileSize <= FULL_HASH_LIMIT) {
                ByteBuffer all = ByteBuffer.allocate((int) dataLen);
                readFully(ch, all, dataStart);
                md.update(all.array());
            } else {
                ByteBuffer sample = ByteBuffer.allocate(SAMPLE_BYTES);
                for (int i = 0; i < SAMPLES; i++) {
                    long off = dataStart + (dataLen - SAMPLE_BYTES) * i / (SAMPLES - 1);
                    sample.clear();
                    readFully(ch, sample, off);
                    md.update(sample.array());
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }


    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static CheckpointException bad(Path file, String problem) {
        return new CheckpointException(file + ": " + problem);
    }
}
