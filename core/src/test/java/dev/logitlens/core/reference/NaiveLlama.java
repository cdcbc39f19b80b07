package dev.logitlens.core.reference;

import java.util.Map;

/**
 * The Llama family (Llama, Mistral, Qwen2, Qwen3) in plain loops, from the Hugging Face modeling code's
 * math. Which biases and q/k norms exist is read from the weights themselves, independently of the
 * config parsing under test.
 */
public final class NaiveLlama {
    /**
     * @param invFreq rotary inverse frequencies (one per rotated pair of a head)
     * @param windows per layer sliding window, 0 = full causal attention
     * @param attentionFactor what HF multiplies the rotary's cos and sin by (yarn's attention scaling), else 1
     */
    public record Dims(int layers, int d, int heads, int kvHeads, int headDim, int inter, int vocab, double eps,
                       double[] invFreq, int[] windows, double attentionFactor) {
        public Dims(int layers, int d, int heads, int kvHeads, int headDim, int inter, int vocab, double eps,
                    double[] invFreq, int[] windows) {
            this(layers, d, heads, kvHeads, headDim, inter, vocab, eps, invFreq, windows, 1.0);
        }
    }

    private NaiveLlama() {}

    /** {@code theta^(-2i/dim)} in double precision. */
    public static double[] invFreq(int dim, double theta) {
        double[] f = new double[dim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = Math.pow(theta, -2.0 * i / dim);
        }
        return f;
    }

    /** Llama 3.1 scaling: long wavelengths divided by factor, short kept, the middle band interpolated. */
    public static double[] llama3(double[] f, double factor, double low, double high, double oldContext) {
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            double wavelen = 2 * Math.PI / f[i];
            if (wavelen < oldContext / high) {
                out[i] = f[i];
            } else if (wavelen > oldContext / low) {
                out[i] = f[i] / factor;
            } else {
                double smooth = (oldContext / wavelen - low) / (high - low);
                out[i] = (1 - smooth) * f[i] / factor + smooth * f[i];
            }
        }
        return out;
    }

    /** Lens logits [L][T][V] of every block output, through the final norm and the tied or separate head. */
    public static double[][][] lensLogits(Map<String, float[]> w, Dims c, int[] ids) {
        return lensLogits(w, c, ids, (i, h) -> h);
    }

    /** The same with {@code translate(block, output)} applied to each block output before the final norm. */
    public static double[][][] lensLogits(Map<String, float[]> w, Dims c, int[] ids,
            java.util.function.BiFunction<Integer, double[][], double[][]> translate) {
        int d = c.d();
        int qDim = c.heads() * c.headDim();
        int kvDim = c.kvHeads() * c.headDim();
        double[][] h = Naive.embed(w.get("embed_tokens.weight"), d, ids);
        double[][][] outs = new double[c.layers()][][];
        for (int i = 0; i < c.layers(); i++) {
            String a = "layers." + i + ".self_attn.";
            String m = "layers." + i + ".mlp.";
            double[][] x = Naive.rmsNorm(h, w.get("layers." + i + ".input_layernorm.weight"), c.eps(), false);
            double[][] q = Naive.linear(x, w.get(a + "q_proj.weight"), w.get(a + "q_proj.bias"), d, qDim);
            double[][] k = Naive.linear(x, w.get(a + "k_proj.weight"), w.get(a + "k_proj.bias"), d, kvDim);
            double[][] v = Naive.linear(x, w.get(a + "v_proj.weight"), w.get(a + "v_proj.bias"), d, kvDim);
            if (w.containsKey(a + "q_norm.weight")) {
                q = perHeadRmsNorm(q, w.get(a + "q_norm.weight"), c.heads(), c.headDim(), c.eps());
                k = perHeadRmsNorm(k, w.get(a + "k_norm.weight"), c.kvHeads(), c.headDim(), c.eps());
            }
            q = NaiveRope.rotate(q, c.heads(), c.headDim(), c.headDim(), c.invFreq(), c.attentionFactor(), false);
            k = NaiveRope.rotate(k, c.kvHeads(), c.headDim(), c.headDim(), c.invFreq(), c.attentionFactor(), false);
            double[][] att = Naive.attention(q, k, v, c.heads(), c.kvHeads(), c.headDim(),
                    1 / Math.sqrt(c.headDim()), c.windows()[i], 0);
            h = Naive.add(h, Naive.linear(att, w.get(a + "o_proj.weight"), w.get(a + "o_proj.bias"), qDim, d));
            x = Naive.rmsNorm(h, w.get("layers." + i + ".post_attention_layernorm.weight"), c.eps(), false);
            double[][] gate = Naive.linear(x, w.get(m + "gate_proj.weight"), w.get(m + "gate_proj.bias"), d, c.inter());
            double[][] up = Naive.linear(x, w.get(m + "up_proj.weight"), w.get(m + "up_proj.bias"), d, c.inter());
            for (int t = 0; t < gate.length; t++) {
                for (int j = 0; j < c.inter(); j++) {
                    gate[t][j] = Naive.silu(gate[t][j]) * up[t][j];
                }
            }
            h = Naive.add(h, Naive.linear(gate, w.get(m + "down_proj.weight"), w.get(m + "down_proj.bias"), c.inter(), d));
            outs[i] = h;
        }
        float[] head = w.containsKey("lm_head.weight") ? w.get("lm_head.weight") : w.get("embed_tokens.weight");
        double[][][] logits = new double[c.layers()][][];
        for (int i = 0; i < c.layers(); i++) {
            logits[i] = Naive.linear(Naive.rmsNorm(translate.apply(i, outs[i]), w.get("norm.weight"), c.eps(), false), head, null, d, c.vocab());
        }
        return logits;
    }

    /** RMSNorm over each head's Dh features separately (Qwen3's q_norm / k_norm). */
    private static double[][] perHeadRmsNorm(double[][] x, float[] weight, int heads, int dh, double eps) {
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double[][] split = new double[heads][];
            for (int hd = 0; hd < heads; hd++) {
                split[hd] = java.util.Arrays.copyOfRange(x[t], hd * dh, (hd + 1) * dh);
            }
            double[][] normed = Naive.rmsNorm(split, weight, eps, false);
            y[t] = new double[heads * dh];
            for (int hd = 0; hd < heads; hd++) {
                System.arraycopy(normed[hd], 0, y[t], hd * dh, dh);
            }
        }
        return y;
    }
}
