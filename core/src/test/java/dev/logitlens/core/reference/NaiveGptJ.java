package dev.logitlens.core.reference;

import java.util.Map;

/** GPT-J in plain loops, straight from the Hugging Face modeling code's math (GPTJBlock, GPTJAttention). */
public final class NaiveGptJ {
    private NaiveGptJ() {}

    /** Lens logits [L][T][V] of every block output through ln_f and lm_head (weight or tied wte, plus bias). */
    public static double[][][] lensLogits(Map<String, float[]> w, int layers, int d, int heads, int inner, int vocab,
                                          int rotaryDim, int[] ids) {
        int dh = d / heads;
        double eps = 1e-5;
        double[][] h = Naive.embed(w.get("wte.weight"), d, ids);
        float[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("wte.weight");
        double[][][] logits = new double[layers][][];
        for (int i = 0; i < layers; i++) {
            String b = "h." + i + ".";
            double[][] x = Naive.layerNorm(h, w.get(b + "ln_1.weight"), w.get(b + "ln_1.bias"), eps);
            double[][] q = NaiveGptNeoX.rotary(Naive.linear(x, w.get(b + "attn.q_proj.weight"), null, d, d),
                    heads, dh, rotaryDim, 10000, true);
            double[][] k = NaiveGptNeoX.rotary(Naive.linear(x, w.get(b + "attn.k_proj.weight"), null, d, d),
                    heads, dh, rotaryDim, 10000, true);
            double[][] v = Naive.linear(x, w.get(b + "attn.v_proj.weight"), null, d, d);
            double[][] a = Naive.attention(q, k, v, heads, heads, dh, 1 / Math.sqrt(dh), 0, 0);
            double[][] attn = Naive.linear(a, w.get(b + "attn.out_proj.weight"), null, d, d);
            double[][] m = Naive.linear(x, w.get(b + "mlp.fc_in.weight"), w.get(b + "mlp.fc_in.bias"), d, inner);
            for (double[] row : m) {
                for (int j = 0; j < inner; j++) {
                    row[j] = Naive.gelu("tanh", row[j]);
                }
            }
            double[][] mlp = Naive.linear(m, w.get(b + "mlp.fc_out.weight"), w.get(b + "mlp.fc_out.bias"), inner, d);
            h = Naive.add(Naive.add(attn, mlp), h);
            double[][] z = Naive.layerNorm(h, w.get("ln_f.weight"), w.get("ln_f.bias"), eps);
            logits[i] = Naive.linear(z, head, w.get("lm_head.bias"), d, vocab);
        }
        return logits;
    }
}
