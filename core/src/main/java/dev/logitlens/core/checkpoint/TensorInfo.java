package dev.logitlens.core.checkpoint;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one tensor lives: file, dtype, shape and its absolute byte range in the file.
 *
 * @param start absolute offset of the first byte (header length included)
 * @param end   absolute offset one past the last byte
 */
public record TensorInfo(String name, Path file, TensorDtype dtype, long[] shape, long start, long end) {
    public long numElements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
