package dev.logitlens.core.reference;

import java.util.Map;

/** Phi-3 in plain loops, straight from the Hugging Face modeling code's math (Phi3DecoderLayer, Phi3Attention, Phi3MLP). */
public final class NaivePhi3 {
    private NaivePhi3() {}

    /** Lens logits [L][T][V] of every layer output through the final RMSNorm and lm_head (or tied embed_tokens). */
    public static double[][][] lensLogits(Map<String, float[]> w, int layers, int d, int heads, int kvHeads, int inner,
                                          int vocab, double partialRotary, int slidingWindow, int[] ids) {
        int rotary = (int) (d / heads * partialRotary);
        double[] invFreq = new double[rotary / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = 1 / Math.pow(10000, 2.0 * i / rotary);
        }
        return lensLogits(w, layers, d, heads, kvHeads, inner, vocab, partialRotary, slidingWindow, invFreq, 1.0, ids);
    }

    /**
     * The same with the rotary's inverse frequencies (one per rotated pair) and the factor HF multiplies cos and
     * sin by (longrope's attention scaling) given by the caller.
     */
    public static double[][][] lensLogits(Map<String, float[]> w, int layers, int d, int heads, int kvHeads, int inner,
                                          int vocab, double partialRotary, int slidingWindow, double[] invFreq,
                                          double attentionFactor, int[] ids) {
        int dh = d / heads;
        int rotary = (int) (dh * partialRotary);
        double eps = 1e-5;
        int qSize = heads * dh;
        int kvSize = kvHeads * dh;
        double[][] h = Naive.embed(w.get("embed_tokens.weight"), d, ids);
        float[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("embed_tokens.weight");
        double[][][] logits = new double[layers][][];
        for (int i = 0; i < layers; i++) {
            String b = "layers." + i + ".";
            double[][] x = Naive.rmsNorm(h, w.get(b + "input_layernorm.weight"), eps, false);
            double[][] qkv = Naive.linear(x, w.get(b + "self_attn.qkv_proj.weight"), null, d, qSize + 2 * kvSize);
            double[][] q = rotary(Naive.slice(qkv, 0, qSize), heads, dh, rotary, invFreq, attentionFactor);
            double[][] k = rotary(Naive.slice(qkv, qSize, qSize + kvSize), kvHeads, dh, rotary, invFreq,
                    attentionFactor);
            double[][] v = Naive.slice(qkv, qSize + kvSize, qSize + 2 * kvSize);
            double[][] a = Naive.attention(q, k, v, heads, kvHeads, dh, 1 / Math.sqrt(dh), slidingWindow, 0);
            h = Naive.add(h, Naive.linear(a, w.get(b + "self_attn.o_proj.weight"), null, qSize, d));
            x = Naive.rmsNorm(h, w.get(b + "post_attention_layernorm.weight"), eps, false);
            double[][] gateUp = Naive.linear(x, w.get(b + "mlp.gate_up_proj.weight"), null, d, 2 * inner);
            double[][] m = new double[ids.length][inner];
            for (int t = 0; t < ids.length; t++) {
                for (int j = 0; j < inner; j++) {
                    m[t][j] = gateUp[t][inner + j] * Naive.silu(gateUp[t][j]); // chunk(2): gate first, then up
                }
            }
            h = Naive.add(h, Naive.linear(m, w.get(b + "mlp.down_proj.weight"), null, inner, d));
            double[][] z = Naive.rmsNorm(h, w.get("norm.weight"), eps, false);
            logits[i] = Naive.linear(z, head, null, d, vocab);
        }
        return logits;
    }

    /**
     * Phi3's apply_rotary_pos_emb on the first {@code rotary} dims of each head of x [T][H·Dh] at positions 0..T-1:
     * x·cos + rotate_half(x)·sin with emb = cat(freqs, freqs), cos = emb.cos()·attention_scaling (sin alike);
     * the remaining dims pass through.
     */
    private static double[][] rotary(double[][] x, int heads, int dh, int rotary, double[] invFreq, double scale) {
        int half = rotary / 2;
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            y[t] = x[t].clone();
            for (int hd = 0; hd < heads; hd++) {
                int o = hd * dh;
                for (int j = 0; j < rotary; j++) {
                    double angle = t * invFreq[j % half];
                    double rotated = j < half ? -x[t][o + j + half] : x[t][o + j - half]; // cat((-x2, x1))
                    y[t][o + j] = x[t][o + j] * Math.cos(angle) * scale + rotated * Math.sin(angle) * scale;
                }
            }
        }
        return y;
    }
}
