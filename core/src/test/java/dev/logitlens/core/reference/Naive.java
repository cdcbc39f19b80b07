package dev.logitlens.core.reference;

/**
 * Plain loops in double precision: the independent reference the DJL forward passes are checked
 * against. Matrices are row-major float arrays exactly as stored in the checkpoint.
 */
public final class Naive {
    private Naive() {}

    /** x [T][in] · W where W is stored [in, out] (Conv1D layout). */
    public static double[][] matmulInOut(double[][] x, float[] w, int in, int out) {
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int i = 0; i < in; i++) {
                double xi = x[t][i];
                int row = i * out;
                for (int o = 0; o < out; o++) {
                    y[t][o] += xi * w[row + o];
                }
            }
        }
        return y;
    }

    /** x [T][in] · Wᵀ where W is stored [out, in] (nn.Linear layout), plus bias (nullable). */
    public static double[][] linear(double[][] x, float[] w, float[] b, int in, int out) {
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                int row = o * in;
                for (int i = 0; i < in; i++) {
                    s += x[t][i] * w[row + i];
                }
                y[t][o] = s;
            }
        }
        return y;
    }

    public static double[][] addBias(double[][] x, float[] b) {
        for (double[] row : x) {
            for (int i = 0; i < row.length; i++) {
                row[i] += b[i];
            }
        }
        return x;
    }

    public static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][a[0].length];
        for (int t = 0; t < a.length; t++) {
            for (int i = 0; i < a[0].length; i++) {
                y[t][i] = a[t][i] + b[t][i];
            }
        }
        return y;
    }

    public static double[][] layerNorm(double[][] x, float[] w, float[] b, double eps) {
        double[][] y = new double[x.length][x[0].length];
        int d = x[0].length;
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v;
            }
            mean /= d;
            double var = 0;
            for (double v : x[t]) {
                var += (v - mean) * (v - mean);
            }
            var /= d;
            for (int i = 0; i < d; i++) {
                y[t][i] = (x[t][i] - mean) / Math.sqrt(var + eps) * (w == null ? 1 : w[i]) + (b == null ? 0 : b[i]);
            }
        }
        return y;
    }

    /** RMSNorm; {@code plusOne} multiplies by (1 + w) as Gemma does. */
    public static double[][] rmsNorm(double[][] x, float[] w, double eps, boolean plusOne) {
        double[][] y = new double[x.length][x[0].length];
        int d = x[0].length;
        for (int t = 0; t < x.length; t++) {
            double ms = 0;
            for (double v : x[t]) {
                ms += v * v;
            }
            ms /= d;
            double inv = 1 / Math.sqrt(ms + eps);
            for (int i = 0; i < d; i++) {
                y[t][i] = x[t][i] * inv * (plusOne ? 1 + w[i] : w[i]);
            }
        }
        return y;
    }

    public static double gelu(String kind, double x) {
        return switch (kind) {
            case "tanh" -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case "erf" -> 0.5 * x * (1 + erf(x / Math.sqrt(2)));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    public static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    /** Abramowitz-Stegun 7.1.26 is too coarse (1e-7); use a series/continued fraction good to 1e-15. */
    public static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 3) {
            double sum = ax;
            double term = ax;
            for (int n = 1; n < 200; n++) {
                term *= -ax * ax / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17) {
                    break;
                }
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else { // continued fraction of erfc
            double f = 0;
            for (int n = 60; n >= 1; n--) {
                f = n / 2.0 / (ax + f);
            }
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? -r : r;
    }

    /**
     * Causal multi-head attention on already projected q [T][H·Dh], k, v [T][Hkv·Dh]; query head h uses
     * key/value head h / (H / Hkv). {@code window} 0 = none; {@code softcap} 0 = none.
     */
    public static double[][] attention(double[][] q, double[][] k, double[][] v, int heads, int kvHeads, int dh,
                                       double scale, int window, double softcap) {
        int t = q.length;
        double[][] out = new double[t][heads * dh];
        int group = heads / kvHeads;
        for (int h = 0; h < heads; h++) {
            int kh = h / group;
            for (int i = 0; i < t; i++) {
                double[] s = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    if (window > 0 && i - j >= window) {
                        s[j] = Double.NEGATIVE_INFINITY;
                        continue;
                    }
                    double dot = 0;
                    for (int e = 0; e < dh; e++) {
                        dot += q[i][h * dh + e] * k[j][kh * dh + e];
                    }
                    dot *= scale;
                    if (softcap > 0) {
                        dot = softcap * Math.tanh(dot / softcap);
                    }
                    s[j] = dot;
                    max = Math.max(max, dot);
                }
                double z = 0;
                for (int j = 0; j <= i; j++) {
                    s[j] = Math.exp(s[j] - max);
                    z += s[j];
                }
                for (int j = 0; j <= i; j++) {
                    double a = s[j] / z;
                    for (int e = 0; e < dh; e++) {
                        out[i][h * dh + e] += a * v[j][kh * dh + e];
                    }
                }
            }
        }
        return out;
    }

    public static double[][] slice(double[][] x, int from, int to) {
        double[][] y = new double[x.length][to - from];
        for (int t = 0; t < x.length; t++) {
            System.arraycopy(x[t], from, y[t], 0, to - from);
        }
        return y;
    }

    public static double[][] embed(float[] table, int d, int[] ids) {
        double[][] y = new double[ids.length][d];
        for (int t = 0; t < ids.length; t++) {
            for (int i = 0; i < d; i++) {
                y[t][i] = table[ids[t] * d + i];
            }
        }
        return y;
    }
}
