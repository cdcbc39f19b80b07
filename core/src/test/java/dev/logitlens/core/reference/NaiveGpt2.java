package dev.logitlens.core.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** GPT-2 in plain loops, straight from the Hugging Face modeling code's math. */
public final class NaiveGpt2 {
    private NaiveGpt2() {}

    /** Lens logits [L][T][V] of every block output, through ln_f and the tied (or separate) head. */
    public static double[][][] lensLogits(Map<String, float[]> w, int layers, int d, int heads, int vocab, int[] ids) {
        return lensLogits(w, layers, d, heads, vocab, ids, (i, h) -> h);
    }

    /** The same with {@code translate(block, output)} applied to each block output before the final norm. */
    public static double[][][] lensLogits(Map<String, float[]> w, int layers, int d, int heads, int vocab, int[] ids,
            java.util.function.BiFunction<Integer, double[][], double[][]> translate) {
        int inner = 4 * d;
        int dh = d / heads;
        double[][] h = Naive.embed(w.get("wte.weight"), d, ids);
        double[][] pos = Naive.embed(w.get("wpe.weight"), d, java.util.stream.IntStream.range(0, ids.length).toArray());
        h = Naive.add(h, pos);
        List<double[][]> outs = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            String b = "h." + i + ".";
            double[][] x = Naive.layerNorm(h, w.get(b + "ln_1.weight"), w.get(b + "ln_1.bias"), 1e-5);
            double[][] qkv = Naive.addBias(Naive.matmulInOut(x, w.get(b + "attn.c_attn.weight"), d, 3 * d), w.get(b + "attn.c_attn.bias"));
            double[][] a = Naive.attention(Naive.slice(qkv, 0, d), Naive.slice(qkv, d, 2 * d), Naive.slice(qkv, 2 * d, 3 * d),
                    heads, heads, dh, 1 / Math.sqrt(dh), 0, 0);
            h = Naive.add(h, Naive.addBias(Naive.matmulInOut(a, w.get(b + "attn.c_proj.weight"), d, d), w.get(b + "attn.c_proj.bias")));
            x = Naive.layerNorm(h, w.get(b + "ln_2.weight"), w.get(b + "ln_2.bias"), 1e-5);
            double[][] m = Naive.addBias(Naive.matmulInOut(x, w.get(b + "mlp.c_fc.weight"), d, inner), w.get(b + "mlp.c_fc.bias"));
            for (double[] row : m) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = Naive.gelu("tanh", row[j]);
                }
            }
            h = Naive.add(h, Naive.addBias(Naive.matmulInOut(m, w.get(b + "mlp.c_proj.weight"), inner, d), w.get(b + "mlp.c_proj.bias")));
            outs.add(h);
        }
        float[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("wte.weight");
        double[][][] logits = new double[layers][][];
        for (int i = 0; i < layers; i++) {
            double[][] x = Naive.layerNorm(translate.apply(i, outs.get(i)), w.get("ln_f.weight"), w.get("ln_f.bias"), 1e-5);
            logits[i] = Naive.linear(x, head, null, d, vocab);
        }
        return logits;
    }
}
