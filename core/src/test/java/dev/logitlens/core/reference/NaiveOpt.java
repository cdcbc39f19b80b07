package dev.logitlens.core.reference;

import java.util.Map;
import java.util.stream.IntStream;

/** OPT in plain loops, straight from the Hugging Face modeling code's math (OPTDecoder, OPTDecoderLayer). */
public final class NaiveOpt {
    private NaiveOpt() {}

    /**
     * Lens logits [L][T][V] of every layer output: final_layer_norm (pre-LN only), project_out (when
     * projDim != d), then the tied or separate head.
     */
    public static double[][][] lensLogits(Map<String, float[]> w, int layers, int d, int heads, int ffn, int vocab,
                                          int projDim, boolean preLn, int[] ids) {
        int dh = d / heads;
        double eps = 1e-5;
        double[][] x = Naive.embed(w.get("embed_tokens.weight"), projDim, ids);
        if (projDim != d) {
            x = Naive.linear(x, w.get("project_in.weight"), null, projDim, d);
        }
        // OPTLearnedPositionalEmbedding: cumsum(mask) * mask - 1 = 0..T-1, then + 2
        int[] rows = IntStream.range(0, ids.length).map(i -> i + 2).toArray();
        double[][] h = Naive.add(x, Naive.embed(w.get("embed_positions.weight"), d, rows));
        double[][][] outs = new double[layers][][];
        for (int i = 0; i < layers; i++) {
            String b = "layers." + i + ".";
            String a = b + "self_attn.";
            double[][] residual = h;
            double[][] y = preLn ? Naive.layerNorm(h, w.get(b + "self_attn_layer_norm.weight"),
                    w.get(b + "self_attn_layer_norm.bias"), eps) : h;
            double[][] q = Naive.linear(y, w.get(a + "q_proj.weight"), w.get(a + "q_proj.bias"), d, d);
            for (double[] row : q) {
                for (int j = 0; j < d; j++) {
                    row[j] *= Math.pow(dh, -0.5);
                }
            }
            double[][] k = Naive.linear(y, w.get(a + "k_proj.weight"), w.get(a + "k_proj.bias"), d, d);
            double[][] v = Naive.linear(y, w.get(a + "v_proj.weight"), w.get(a + "v_proj.bias"), d, d);
            double[][] attn = Naive.attention(q, k, v, heads, heads, dh, 1.0, 0, 0);
            h = Naive.add(residual, Naive.linear(attn, w.get(a + "out_proj.weight"), w.get(a + "out_proj.bias"), d, d));
            if (!preLn) {
                h = Naive.layerNorm(h, w.get(b + "self_attn_layer_norm.weight"), w.get(b + "self_attn_layer_norm.bias"), eps);
            }
            residual = h;
            y = preLn ? Naive.layerNorm(h, w.get(b + "final_layer_norm.weight"), w.get(b + "final_layer_norm.bias"), eps) : h;
            double[][] m = Naive.linear(y, w.get(b + "fc1.weight"), w.get(b + "fc1.bias"), d, ffn);
            for (double[] row : m) {
                for (int j = 0; j < ffn; j++) {
                    row[j] = Math.max(0, row[j]);
                }
            }
            h = Naive.add(residual, Naive.linear(m, w.get(b + "fc2.weight"), w.get(b + "fc2.bias"), ffn, d));
            if (!preLn) {
                h = Naive.layerNorm(h, w.get(b + "final_layer_norm.weight"), w.get(b + "final_layer_norm.bias"), eps);
            }
            outs[i] = h;
        }
        float[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("embed_tokens.weight");
        double[][][] logits = new double[layers][][];
        for (int i = 0; i < layers; i++) {
            double[][] z = preLn ? Naive.layerNorm(outs[i], w.get("final_layer_norm.weight"),
                    w.get("final_layer_norm.bias"), eps) : outs[i];
            if (projDim != d) {
                z = Naive.linear(z, w.get("project_out.weight"), null, d, projDim);
            }
            logits[i] = Naive.linear(z, head, null, projDim, vocab);
        }
        return logits;
    }
}
