package dev.logitlens.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.logitlens.core.djl.Djl;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class WidenBf16Test {
    @Test
    void widensInChunksInPlaceAndThroughOneScratchBuffer() {
        Djl.engine();
        float[] values = {1f, -2.5f, 3.140625f, 0f, -0f, 65280f, 1e-20f, Float.NEGATIVE_INFINITY, 7.5f, -0.001953125f, 42f};
        ShortBuffer bf16 = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        float[] expected = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            short s = SafetensorsWriter.toBf16(values[i]);
            bf16.put(i, s);
            expected[i] = SafetensorsWriter.fromBf16(s);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            for (int chunk : new int[] {1, 3, 4, 11, 64}) { // the scratch is reused: every chunk must land in place
                NDArray out = Checkpoint.widenBf16(bf16, values.length, m, chunk);
                assertArrayEquals(expected, out.toFloatArray(), "chunk " + chunk);
                // the way a tensor off the CPU is filled: through the scratch direct buffer
                NDArray viaScratch = Checkpoint.widenBf16Into(bf16, values.length,
                        m.create(new ai.djl.ndarray.types.Shape(values.length), ai.djl.ndarray.types.DataType.FLOAT32),
                        chunk, false);
                assertArrayEquals(expected, viaScratch.toFloatArray(), "chunk " + chunk + ", through the scratch");
            }
        }
    }
}
