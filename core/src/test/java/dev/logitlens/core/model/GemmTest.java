package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.UserInputException;
import dev.logitlens.core.djl.Djl;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Gemm}: both CPU kernels equal a naive double-precision product; with either, a row's numbers are bit for bit
 * the same whatever rows it is with, and a column's whatever columns of the weight it is computed with; the kernel
 * is chosen from the processor as documented.
 */
class GemmTest {
    private static final int[][] SHAPES = {{1, 5, 7}, {3, 64, 33}, {17, 128, 1000}, {40, 96, 200}, {100, 768, 96}};

    @Test
    void bothKernelsEqualANaiveProduct() {
        Djl.engine();
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(3);
            for (Gemm.Kernel kernel : Gemm.Kernel.values()) {
                for (int[] s : SHAPES) {
                    NDArray x = m.randomNormal(new Shape(s[0], s[1]));
                    NDArray w = m.randomNormal(new Shape(s[2], s[1]));
                    float[] xs = x.toFloatArray();
                    float[] ws = w.toFloatArray();
                    NDArray y = Gemm.timesT(x, w, kernel);
                    assertEquals(new Shape(s[0], s[2]), y.getShape(), kernel + " " + java.util.Arrays.toString(s));
                    float[] got = y.toFloatArray();
                    for (int r = 0; r < s[0]; r++) {
                        for (int c = 0; c < s[2]; c++) {
                            double want = 0;
                            double scale = 0;
                            for (int i = 0; i < s[1]; i++) {
                                want += (double) xs[r * s[1] + i] * ws[c * s[1] + i];
                                scale += Math.abs((double) xs[r * s[1] + i] * ws[c * s[1] + i]);
                            }
                            assertEquals(want, got[r * s[2] + c], 1e-6 * scale + 1e-6,
                                    kernel + " " + java.util.Arrays.toString(s) + " at " + r + "," + c);
                        }
                    }
                }
            }
        }
    }

    @Test
    void padRowsLeaveThePromptRowsBitForBitAndAreZeroWhereSkipped() {
        Djl.engine();
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(5);
            NDArray w = m.randomNormal(new Shape(1152, 768));
            for (Gemm.Kernel kernel : Gemm.Kernel.values()) {
                for (int[] np : new int[][] {{9, 1}, {65, 1}, {81, 1}, {80, 16}, {300, 1}}) {
                    int n = np[0];
                    int pad = np[1];
                    NDArray x = m.randomNormal(new Shape(n, 768));
                    float[] all = Gemm.timesT(x, w, kernel, 0).toFloatArray();
                    NDArray y = Gemm.timesT(x, w, kernel, pad);
                    assertEquals(new Shape(n, 1152), y.getShape());
                    float[] got = y.toFloatArray();
                    String at = kernel + " " + n + " rows, " + pad + " pad";
                    int prompts = (n - pad) * 1152;
                    assertArrayEquals(java.util.Arrays.copyOf(all, prompts), java.util.Arrays.copyOf(got, prompts), at);
                    boolean skipped = kernel == Gemm.Kernel.ONEDNN && n < Gemm.SWAP_BELOW_ROWS;
                    for (int i = prompts; i < got.length; i++) {
                        assertEquals(skipped ? 0f : all[i], got[i], at + ": pad value " + i);
                    }
                }
            }
        }
    }

    @Test
    void linearLeavesTheBoundPadRowsOfEveryColumnPart() {
        Djl.engine();
        try (NDManager m = NDManager.newBaseManager(); dev.logitlens.core.lens.Workers pool = new dev.logitlens.core.lens.Workers(2)) {
            m.getEngine().setRandomSeed(6);
            NDArray x = m.randomNormal(new Shape(65, 768));
            NDArray w = m.randomNormal(new Shape(1152, 768));
            float[] plain = Ops.linear(x, w, null).toFloatArray();
            float[] padded = PadRows.with(1, () -> Parallel.with(pool, () -> Ops.linear(x, w, null))).toFloatArray();
            int prompts = 64 * 1152;
            assertArrayEquals(java.util.Arrays.copyOf(plain, prompts), java.util.Arrays.copyOf(padded, prompts));
            if (Gemm.cpuKernel() == Gemm.Kernel.ONEDNN) {
                for (int i = prompts; i < padded.length; i++) {
                    assertEquals(0f, padded[i], "pad value " + i);
                }
            }
            assertEquals(0, PadRows.bound(), "unbound after the call");
        }
    }

    @Test
    void aRowAndAColumnAreTheSameWhateverTheyAreComputedWith() {
        Djl.engine();
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(4);
            for (Gemm.Kernel kernel : Gemm.Kernel.values()) {
                // 300 rows: oneDNN with x's rows as the images; fewer than SWAP_BELOW_ROWS: the weight as the images
                NDArray x = m.randomNormal(new Shape(300, 768));
                NDArray w = m.randomNormal(new Shape(1024, 768));
                float[] all = Gemm.timesT(x, w, kernel).toFloatArray();
                for (int[] rows : new int[][] {{0, 1}, {7, 8}, {0, 3}, {5, 22}, {16, 48}, {33, 100}, {0, 191}, {1, 193},
                        {100, 300}}) {
                    float[] part = Gemm.timesT(x.get(rows[0] + ":" + rows[1]), w, kernel).toFloatArray();
                    for (int r = rows[0]; r < rows[1]; r++) {
                        for (int c = 0; c < 1024; c++) {
                            assertEquals(all[r * 1024 + c], part[(r - rows[0]) * 1024 + c], 0f,
                                    kernel + ": row " + r + " of rows " + rows[0] + ".." + rows[1] + ", column " + c);
                        }
                    }
                }
                // columns: the weight's rows in parts, as the lens's vocabulary tiles and split projections take them
                // (MKL: from multiples of 32 columns on, at least 32 wide; oneDNN: any)
                for (int n : new int[] {300, 40}) {
                    float[] whole = Gemm.timesT(x.get("0:" + n), w, kernel).toFloatArray();
                    for (int[] cols : new int[][] {{0, 32}, {64, 1024}, {96, 1024}, {960, 1000}, {1, 2}, {500, 917},
                            {512, 528}}) {
                        int width = cols[1] - cols[0];
                        if (kernel == Gemm.Kernel.BLAS && (cols[0] % 32 != 0 || width < 32)) {
                            continue;
                        }
                        float[] part = Gemm.timesT(x.get("0:" + n), w.get(cols[0] + ":" + cols[1]), kernel)
                                .toFloatArray();
                        for (int r = 0; r < n; r++) {
                            for (int c = 0; c < width; c++) {
                                assertEquals(whole[r * 1024 + cols[0] + c], part[r * width + c], 0f, kernel + ": " + n
                                        + " rows, column " + (cols[0] + c) + " of " + cols[0] + ".." + cols[1]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void bothWaysRoundTheConvolutionGiveTheSameBits() {
        Djl.engine();
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(6);
            for (int k : new int[] {5, 64, 768, 3072}) {
                for (int cols : new int[] {16, 48, 96, 1024, 2304}) {
                    for (int n : new int[] {1, 2, 3, 5, 16, 17, 64, 100, 191, 300}) {
                        NDArray x = m.randomNormal(new Shape(n, k));
                        NDArray w = m.randomNormal(new Shape(cols, k));
                        float[] a = Gemm.rowsAsImages(x, w).toFloatArray();
                        float[] b = Gemm.weightAsImages(x, w, 0).toFloatArray();
                        for (int i = 0; i < a.length; i++) {
                            assertEquals(a[i], b[i], 0f, n + "×" + k + " times " + cols + "×" + k + ", at " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void theKernelIsOneDnnOnAnAmdProcessorWithAvx512AndMklElsewhere() {
        String amd512 = "vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 avx512f avx512bw\n";
        String amd2 = "vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx2 avx512_bf16x\n";
        String intel512 = "vendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 avx2 avx512f\n";
        assertEquals(Gemm.Kernel.ONEDNN, Gemm.resolve(null, amd512));
        assertEquals(Gemm.Kernel.ONEDNN, Gemm.resolve(" Auto ", amd512));
        assertEquals(Gemm.Kernel.BLAS, Gemm.resolve(null, amd2), "avx512f must be a flag of its own");
        assertEquals(Gemm.Kernel.BLAS, Gemm.resolve(null, intel512));
        assertEquals(Gemm.Kernel.BLAS, Gemm.resolve(null, ""));
        assertEquals(Gemm.Kernel.BLAS, Gemm.resolve("blas", amd512));
        assertEquals(Gemm.Kernel.ONEDNN, Gemm.resolve("onednn", intel512));
        UserInputException e = assertThrows(UserInputException.class, () -> Gemm.resolve("fast", amd512));
        assertTrue(e.getMessage().contains("logitlens.cpuMatmul") && e.getMessage().contains("'fast'")
                && e.getMessage().contains("auto, onednn or blas"), e.getMessage());
    }
}
