package dev.logitlens.core.reference;

/** Rotary position embeddings in plain doubles, the reference the DJL rotation is checked against. */
public final class NaiveRope {
    private NaiveRope() {}

    /**
     * Rotates {@code x} [T][H·Dh] at positions 0..T-1 on each head's first {@code rotaryDim} dimensions: a copy.
     */
    public static double[][] rotate(double[][] x, int heads, int headDim, int rotaryDim, double[] invFreq,
                                   boolean interleaved) {
        return rotate(x, heads, headDim, rotaryDim, invFreq, 1.0, interleaved);
    }

    /** As {@link #rotate(double[][], int, int, int, double[], boolean)} with cos and sin times {@code attentionFactor}. */
    public static double[][] rotate(double[][] x, int heads, int headDim, int rotaryDim, double[] invFreq,
                                   double attentionFactor, boolean interleaved) {
        int half = rotaryDim / 2;
        double[][] y = new double[x.length][];
        for (int p = 0; p < x.length; p++) {
            y[p] = x[p].clone();
            for (int hd = 0; hd < heads; hd++) {
                int base = hd * headDim;
                for (int i = 0; i < half; i++) {
                    double angle = p * invFreq[i];
                    double cos = Math.cos(angle) * attentionFactor;
                    double sin = Math.sin(angle) * attentionFactor;
                    int a = interleaved ? base + 2 * i : base + i;
                    int b = interleaved ? base + 2 * i + 1 : base + i + half;
                    y[p][a] = x[p][a] * cos - x[p][b] * sin;
                    y[p][b] = x[p][b] * cos + x[p][a] * sin;
                }
            }
        }
        return y;
    }
}
