package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.lens.Workers;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Ops#linear}, {@link Ops#activation} and {@link Ops#attention}: a row's numbers, bit for bit, whatever rows it
 * is with and however the work is split over a bound pool.
 */
class ProjectTest {
    @Test
    void aRowIsTheSameAloneAmongOthersAndSplitOverThreads() {
        Djl.engine();
        try (NDManager m = NDManager.newBaseManager(); Workers pool = new Workers(3)) {
            m.getEngine().setRandomSeed(5);
            for (int[] s : new int[][] {{40, 96, 200}, {70, 256, 96}, {17, 64, 1000}}) {
                NDArray x = m.randomNormal(new Shape(s[0], s[1]));
                NDArray w = m.randomNormal(new Shape(s[2], s[1]));
                float[] all = Ops.linear(x, w, null).toFloatArray();
                float[] split = Parallel.with(pool, () -> Ops.linear(x, w, null)).toFloatArray();
                assertArrayEquals(all, split, 0f, "split over threads, " + s[0] + " rows");
                for (int r : new int[] {0, s[0] / 2, s[0] - 1}) {
                    float[] alone = Ops.linear(x.get(r + ":" + (r + 1)), w, null).toFloatArray(); // one row
                    float[] two = Ops.linear(x.get(r + ":" + (r + 1)).repeat(0, 2), w, null).get(0).toFloatArray();
                    for (int c = 0; c < s[2]; c++) {
                        assertEquals(all[r * s[2] + c], alone[c], 0f, "row " + r + " alone, column " + c);
                        assertEquals(all[r * s[2] + c], two[c], 0f, "row " + r + " twice, column " + c);
                    }
                }
            }
        }
    }

    @Test
    void activationsAndAttentionAreTheSameSplitOverThreads() {
        Djl.engine();
        try (NDManager m = NDManager.newBaseManager(); Workers pool = new Workers(3)) {
            m.getEngine().setRandomSeed(9);
            // 37 rows × 96: parts of a multiple of 32 values whatever the row split; sigmoid is where the vector
            // loop and its scalar tail differ
            NDArray x = m.randomNormal(new Shape(37, 96)).mul(3f);
            for (String act : new String[] {"silu", "gelu_new", "gelu", "relu"}) {
                float[] one = Ops.activation(act, x).toFloatArray();
                float[] split = Parallel.with(pool, () -> Ops.activation(act, x)).toFloatArray();
                assertArrayEquals(one, split, 0f, act + " split by rows");
            }
            for (int[] s : new int[][] {{6, 6, 40}, {8, 2, 33}}) { // heads, key/value heads, tokens
                NDArray q = m.randomNormal(new Shape(s[0], s[2], 16));
                NDArray k = m.randomNormal(new Shape(s[1], s[2], 16));
                NDArray v = m.randomNormal(new Shape(s[1], s[2], 16));
                NDArray mask = Ops.causalMask(m, s[2], 0, q.getDataType());
                float[] one = Ops.attention(q, k, v, mask, 0.25f, 0f).toFloatArray();
                float[] split = Parallel.with(pool, () -> Ops.attention(q, k, v, mask, 0.25f, 0f)).toFloatArray();
                assertArrayEquals(one, split, 0f, s[0] + " heads over " + s[1] + " key/value heads, split");
                float[] capped = Ops.attention(q, k, v, mask, 0.25f, 5f).toFloatArray();
                float[] cappedSplit = Parallel.with(pool, () -> Ops.attention(q, k, v, mask, 0.25f, 5f)).toFloatArray();
                assertArrayEquals(capped, cappedSplit, 0f, "soft-capped, split");
            }
        }
    }
}
