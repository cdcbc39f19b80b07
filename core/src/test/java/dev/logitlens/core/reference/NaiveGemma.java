package dev.logitlens.core.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Gemma 1/2/3 text in plain loops, straight from the Hugging Face modeling code's math. */
public final class NaiveGemma {
    private NaiveGemma() {}

    /**
     * The architecture, spelled out by each test (not read from config.json, so the config parsing is checked too).
     *
     * @param sandwich   Gemma 2/3 norms after attention and around the MLP
     * @param qkNorm     Gemma 3 per-head q/k norms
     * @param scale      attention scale (query_pre_attn_scalar^-0.5, or head_dim^-0.5 for Gemma 1)
     * @param attnCap    attention logit soft-cap, 0 for none
     * @param finalCap   final logit soft-cap, 0 for none
     * @param window     per layer: sliding window, 0 for global
     * @param theta      per layer: rotary base
     * @param ropeFactor per layer: linear rope scaling factor, 1 for none
     */
    public record Params(int layers, int d, int heads, int kvHeads, int headDim, int inter, int vocab,
                         boolean sandwich, boolean qkNorm, double scale, double attnCap, double finalCap,
                         int[] window, double[] theta, double[] ropeFactor) {
        public Params withFinalCap(double cap) {
            return new Params(layers, d, heads, kvHeads, headDim, inter, vocab, sandwich, qkNorm, scale, attnCap, cap,
                    window, theta, ropeFactor);
        }

        public Params withAttnCap(double cap) {
            return new Params(layers, d, heads, kvHeads, headDim, inter, vocab, sandwich, qkNorm, scale, cap, finalCap,
                    window, theta, ropeFactor);
        }

        public Params withWindows(int[] windows) {
            return new Params(layers, d, heads, kvHeads, headDim, inter, vocab, sandwich, qkNorm, scale, attnCap,
                    finalCap, windows, theta, ropeFactor);
        }

        public Params withThetas(double[] thetas) {
            return new Params(layers, d, heads, kvHeads, headDim, inter, vocab, sandwich, qkNorm, scale, attnCap,
                    finalCap, window, thetas, ropeFactor);
        }
    }

    private static final double EPS = 1e-6;

    /** Lens logits [L][T][V] of every block output, through the final norm, the head and the final soft-cap. */
    public static double[][][] lensLogits(Map<String, float[]> w, Params p, int[] ids) {
        return lensLogits(w, p, ids, (i, h) -> h);
    }

    /** The same with {@code translate(block, output)} applied to each block output before the final norm. */
    public static double[][][] lensLogits(Map<String, float[]> w, Params p, int[] ids,
            java.util.function.BiFunction<Integer, double[][], double[][]> translate) {
        int d = p.d();
        int q = p.heads() * p.headDim();
        int kv = p.kvHeads() * p.headDim();
        double[][] h = Naive.embed(w.get("embed_tokens.weight"), d, ids);
        double normalizer = Math.sqrt(d);
        for (double[] row : h) {
            for (int i = 0; i < d; i++) {
                row[i] *= normalizer;
            }
        }
        List<double[][]> outs = new ArrayList<>();
        for (int l = 0; l < p.layers(); l++) {
            String b = "layers." + l + ".";
            String a = b + "self_attn.";
            double[][] x = Naive.rmsNorm(h, w.get(b + "input_layernorm.weight"), EPS, true);
            double[][] qs = Naive.linear(x, w.get(a + "q_proj.weight"), w.get(a + "q_proj.bias"), d, q);
            double[][] ks = Naive.linear(x, w.get(a + "k_proj.weight"), w.get(a + "k_proj.bias"), d, kv);
            double[][] vs = Naive.linear(x, w.get(a + "v_proj.weight"), w.get(a + "v_proj.bias"), d, kv);
            if (p.qkNorm()) {
                qs = perHeadNorm(qs, w.get(a + "q_norm.weight"), p.heads(), p.headDim());
                ks = perHeadNorm(ks, w.get(a + "k_norm.weight"), p.kvHeads(), p.headDim());
            }
            qs = rotateHalf(qs, p.heads(), p.headDim(), p.theta()[l], p.ropeFactor()[l]);
            ks = rotateHalf(ks, p.kvHeads(), p.headDim(), p.theta()[l], p.ropeFactor()[l]);
            double[][] att = Naive.attention(qs, ks, vs, p.heads(), p.kvHeads(), p.headDim(), p.scale(), p.window()[l],
                    p.attnCap());
            att = Naive.linear(att, w.get(a + "o_proj.weight"), w.get(a + "o_proj.bias"), q, d);
            if (p.sandwich()) {
                att = Naive.rmsNorm(att, w.get(b + "post_attention_layernorm.weight"), EPS, true);
            }
            h = Naive.add(h, att);
            x = Naive.rmsNorm(h, w.get(b + (p.sandwich() ? "pre_feedforward_layernorm.weight"
                    : "post_attention_layernorm.weight")), EPS, true);
            double[][] gate = Naive.linear(x, w.get(b + "mlp.gate_proj.weight"), null, d, p.inter());
            double[][] up = Naive.linear(x, w.get(b + "mlp.up_proj.weight"), null, d, p.inter());
            for (int t = 0; t < gate.length; t++) {
                for (int j = 0; j < p.inter(); j++) {
                    gate[t][j] = Naive.gelu("tanh", gate[t][j]) * up[t][j];
                }
            }
            double[][] mlp = Naive.linear(gate, w.get(b + "mlp.down_proj.weight"), null, p.inter(), d);
            if (p.sandwich()) {
                mlp = Naive.rmsNorm(mlp, w.get(b + "post_feedforward_layernorm.weight"), EPS, true);
            }
            h = Naive.add(h, mlp);
            outs.add(h);
        }
        float[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("embed_tokens.weight");
        double[][][] logits = new double[p.layers()][][];
        for (int l = 0; l < p.layers(); l++) {
            double[][] x = Naive.rmsNorm(translate.apply(l, outs.get(l)), w.get("norm.weight"), EPS, true);
            logits[l] = Naive.linear(x, head, null, d, p.vocab());
            if (p.finalCap() > 0) {
                for (double[] row : logits[l]) {
                    for (int v = 0; v < row.length; v++) {
                        row[v] = p.finalCap() * Math.tanh(row[v] / p.finalCap());
                    }
                }
            }
        }
        return logits;
    }

    private static double[][] perHeadNorm(double[][] x, float[] weight, int heads, int dh) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double[][] split = new double[heads][];
            for (int hd = 0; hd < heads; hd++) {
                split[hd] = java.util.Arrays.copyOfRange(x[t], hd * dh, hd * dh + dh);
            }
            double[][] normed = Naive.rmsNorm(split, weight, EPS, true);
            y[t] = new double[heads * dh];
            for (int hd = 0; hd < heads; hd++) {
                System.arraycopy(normed[hd], 0, y[t], hd * dh, dh);
            }
        }
        return y;
    }

    /**
     * Hugging Face's rotate_half rotary at positions 0..T-1, written out here rather than taken from the
     * production class so that its frequencies and layout are checked independently.
     */
    private static double[][] rotateHalf(double[][] x, int heads, int dh, double theta, double linearFactor) {
        int half = dh / 2;
        double[][] y = new double[x.length][];
        for (int pos = 0; pos < x.length; pos++) {
            y[pos] = x[pos].clone();
            for (int hd = 0; hd < heads; hd++) {
                for (int i = 0; i < half; i++) {
                    double angle = pos * Math.pow(theta, -2.0 * i / dh) / linearFactor;
                    int lo = hd * dh + i;
                    int hi = lo + half;
                    y[pos][lo] = x[pos][lo] * Math.cos(angle) - x[pos][hi] * Math.sin(angle);
                    y[pos][hi] = x[pos][hi] * Math.cos(angle) + x[pos][lo] * Math.sin(angle);
                }
            }
        }
        return y;
    }
}
