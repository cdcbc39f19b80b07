package dev.logitlens.core.reference;

import java.util.Map;

/** GPT-NeoX in plain loops, straight from the Hugging Face modeling code's math (GPTNeoXLayer, GPTNeoXAttention). */
public final class NaiveGptNeoX {
    private NaiveGptNeoX() {}

    /** Lens logits [L][T][V] of every layer output through final_layer_norm and embed_out (or embed_in when tied). */
    public static double[][][] lensLogits(Map<String, float[]> w, int layers, int d, int heads, int inner, int vocab,
                                          double rotaryPct, boolean parallel, int[] ids) {
        int dh = d / heads;
        int rotary = (int) (dh * rotaryPct);
        double eps = 1e-5;
        double[][] h = Naive.embed(w.get("embed_in.weight"), d, ids);
        double[][][] logits = new double[layers][][];
        float[] head = w.containsKey("embed_out.weight") ? w.get("embed_out.weight") : w.get("embed_in.weight");
        for (int i = 0; i < layers; i++) {
            String b = "layers." + i + ".";
            double[][] x = Naive.layerNorm(h, w.get(b + "input_layernorm.weight"), w.get(b + "input_layernorm.bias"), eps);
            double[][] qkv = Naive.linear(x, w.get(b + "attention.query_key_value.weight"),
                    w.get(b + "attention.query_key_value.bias"), d, 3 * d);
            // qkv.view(T, H, 3·Dh): head hd's q, k, v are columns hd·3Dh + [0, Dh), [Dh, 2Dh), [2Dh, 3Dh)
            double[][] q = new double[ids.length][d];
            double[][] k = new double[ids.length][d];
            double[][] v = new double[ids.length][d];
            for (int t = 0; t < ids.length; t++) {
                for (int hd = 0; hd < heads; hd++) {
                    for (int e = 0; e < dh; e++) {
                        q[t][hd * dh + e] = qkv[t][hd * 3 * dh + e];
                        k[t][hd * dh + e] = qkv[t][hd * 3 * dh + dh + e];
                        v[t][hd * dh + e] = qkv[t][hd * 3 * dh + 2 * dh + e];
                    }
                }
            }
            q = rotary(q, heads, dh, rotary, 10000, false);
            k = rotary(k, heads, dh, rotary, 10000, false);
            double[][] a = Naive.attention(q, k, v, heads, heads, dh, 1 / Math.sqrt(dh), 0, 0);
            double[][] attn = Naive.linear(a, w.get(b + "attention.dense.weight"), w.get(b + "attention.dense.bias"), d, d);
            double[][] mlpIn = parallel ? h : Naive.add(h, attn);
            double[][] y = Naive.layerNorm(mlpIn, w.get(b + "post_attention_layernorm.weight"),
                    w.get(b + "post_attention_layernorm.bias"), eps);
            double[][] m = Naive.linear(y, w.get(b + "mlp.dense_h_to_4h.weight"), w.get(b + "mlp.dense_h_to_4h.bias"), d, inner);
            for (double[] row : m) {
                for (int j = 0; j < inner; j++) {
                    row[j] = Naive.gelu("erf", row[j]);
                }
            }
            double[][] mlp = Naive.linear(m, w.get(b + "mlp.dense_4h_to_h.weight"), w.get(b + "mlp.dense_4h_to_h.bias"), inner, d);
            h = parallel ? Naive.add(Naive.add(h, attn), mlp) : Naive.add(mlpIn, mlp);
            double[][] z = Naive.layerNorm(h, w.get("final_layer_norm.weight"), w.get("final_layer_norm.bias"), eps);
            logits[i] = Naive.linear(z, head, null, d, vocab);
        }
        return logits;
    }

    /**
     * Rotary on the first {@code rotary} dims of each head of x [T][H·Dh] at positions 0..T-1, written from the
     * Hugging Face code: inverse frequencies {@code theta^(-2i/rotary)};
     * {@code interleaved == false}: x·cos + rotate_half(x)·sin with cos = cat(freqs, freqs) (NeoX, Phi-3);
     * {@code interleaved == true}: x·cos + rotate_every_two(x)·sin with cos repeat_interleave'd (GPT-J).
     */
    public static double[][] rotary(double[][] x, int heads, int dh, int rotary, double theta, boolean interleaved) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            y[t] = x[t].clone();
            for (int hd = 0; hd < heads; hd++) {
                int o = hd * dh;
                double[] rot = new double[rotary];
                double[] cos = new double[rotary];
                double[] sin = new double[rotary];
                for (int j = 0; j < rotary; j++) {
                    int freqIndex = interleaved ? j / 2 : j % (rotary / 2);
                    double invFreq = 1 / Math.pow(theta, 2.0 * freqIndex / rotary);
                    cos[j] = Math.cos(t * invFreq);
                    sin[j] = Math.sin(t * invFreq);
                    if (interleaved) { // stack((-x2, x1), -1).flatten: even j gets -x[j+1], odd j gets x[j-1]
                        rot[j] = j % 2 == 0 ? -x[t][o + j + 1] : x[t][o + j - 1];
                    } else {           // cat((-x2, x1)): first half gets -second half, second half gets first half
                        rot[j] = j < rotary / 2 ? -x[t][o + j + rotary / 2] : x[t][o + j - rotary / 2];
                    }
                }
                for (int j = 0; j < rotary; j++) {
                    y[t][o + j] = x[t][o + j] * cos[j] + rot[j] * sin[j];
                }
            }
        }
        return y;
    }
}
