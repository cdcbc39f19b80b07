package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.checkpoint.CheckpointException;

/**
 * Rotary position embeddings as Hugging Face computes them: inverse frequencies
 * {@code theta^(-2i/rotaryDim)} in float32, {@code rope_scaling} applied to them, angles
 * {@code position · invFreq} in float32, cos/sin multiplied by the scaling's attention factor and cast to
 * the activations' dtype.
 *
 * <p>Two layouts: {@code rotate_half} (Llama, NeoX, Gemma, Phi-3: dimension i pairs with i + rotaryDim/2)
 * and GPT-J's {@code rotate_every_two} (interleaved: dimension 2i pairs with 2i + 1). Dimensions past
 * {@code rotaryDim} (partial rotary) pass through unchanged.
 *
 * <p>Two scalings depend on the sequence length, as transformers' {@code dynamic_rope_update} does it:
 * {@code dynamic} rescales the base once the sequence is longer than max_position_embeddings, and
 * {@code longrope} switches from {@code short_factor} to {@code long_factor} once it is longer than
 * original_max_position_embeddings. {@link #apply} takes the length from its input (positions 0..T-1, so
 * HF's {@code max(position_ids) + 1} is T); {@link #forLength} gives the frequencies for a length.
 *
 * <p>As transformers keeps its rope init table apart from validation: {@link RopeScaling} reads and checks
 * the config, {@link RopeFrequencies} computes the frequencies, this class rotates.
 */
public final class Rope {
    private final int rotaryDim;
    private final double theta;
    private final RopeScaling scaling;
    private final double[] invFreq;
    private final double attentionFactor;

    private Rope(int rotaryDim, double theta, RopeScaling scaling, RopeFrequencies f) {
        this.rotaryDim = rotaryDim;
        this.theta = theta;
        this.scaling = scaling;
        this.invFreq = f.invFreq();
        this.attentionFactor = f.attentionFactor();
    }

    /**
     * As {@link #fromConfig(String, int, double, JsonNode, int, int)} with errors naming {@code config.json}
     * and no top-level original_max_position_embeddings.
     */
    public static Rope fromConfig(int rotaryDim, double theta, JsonNode ropeScaling, int maxPositions) {
        return fromConfig("config.json", rotaryDim, theta, ropeScaling, maxPositions, 0);
    }

    /** As {@link #fromConfig(String, int, double, JsonNode, int, int)} with errors naming {@code config.json}. */
    public static Rope fromConfig(int rotaryDim, double theta, JsonNode ropeScaling, int maxPositions,
                                  int originalMaxPositions) {
        return fromConfig("config.json", rotaryDim, theta, ropeScaling, maxPositions, originalMaxPositions);
    }

    /**
     * The rotary of {@code rotaryDim} dimensions with the config's {@code rope_scaling} (or
     * {@code rope_parameters}) applied: none / {@code default}, {@code linear}, {@code llama3},
     * {@code dynamic}, {@code yarn}, {@code longrope} (and its old name {@code su}). Other types fail
     * rather than give wrong numbers.
     *
     * @param where                the config.json path, as errors name it
     * @param ropeScaling          the config's rope_scaling object; null, missing or JSON null for none
     * @param maxPositions         the config's max_position_embeddings (llama3, yarn and longrope fall back to
     *                             it when original_max_position_embeddings is absent; dynamic scales beyond it)
     * @param originalMaxPositions the top-level original_max_position_embeddings (Phi-3 keeps it there), which
     *                             longrope uses when the scaling object does not carry its own; 0 when absent
     */
    public static Rope fromConfig(String where, int rotaryDim, double theta, JsonNode ropeScaling, int maxPositions,
                                  int originalMaxPositions) {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw new CheckpointException(where + ": rotary dimension " + rotaryDim
                    + " must be a positive even number (check head_dim / partial_rotary_factor / rotary_dim)");
        }
        return of(rotaryDim, theta,
                RopeScaling.parse(ropeScaling, where, rotaryDim, maxPositions, originalMaxPositions));
    }

    /** The rotary for a parsed scaling; frequencies of an unknown length until {@link #forLength}. */
    public static Rope of(int rotaryDim, double theta, RopeScaling scaling) {
        return new Rope(rotaryDim, theta, scaling, RopeFrequencies.of(scaling, rotaryDim, theta, 0));
    }

    /**
     * The rotary HF uses for a sequence of {@code seqLen} tokens at positions 0..seqLen-1: the same
     * object unless the scaling is {@code dynamic} or {@code longrope}.
     */
    public Rope forLength(int seqLen) {
        return scaling.lengthDependent()
                ? new Rope(rotaryDim, theta, scaling, RopeFrequencies.of(scaling, rotaryDim, theta, seqLen)) : this;
    }

    /**
     * The inverse frequencies (float32 values), one per rotated pair; for dynamic and longrope those of an
     * unknown length (HF's init time), see {@link #forLength}.
     */
    public double[] invFreq() {
        return invFreq.clone();
    }

    /** The factor HF multiplies cos and sin by (its {@code attention_scaling}): 1 except for yarn and longrope. */
    public double attentionFactor() {
        return attentionFactor;
    }

    /**
     * Rotates {@code x} [H, T, Dh] at positions 0..T-1 on its first {@code rotaryDim} dimensions, with the
     * frequencies and attention factor HF uses for a sequence of T tokens.
     *
     * @param interleaved false: rotate_half layout; true: GPT-J's rotate_every_two layout
     */
    public NDArray apply(NDArray x, boolean interleaved) {
        int t = Math.toIntExact(x.getShape().get(1));
        NDList cs = forLength(t).cosSin(x.getManager(), t, x.getDataType()); // each [T, half]
        return rotate(x, cs.get(0), cs.get(1), interleaved);
    }

    /**
     * As {@link #apply(NDArray, boolean)} for packed prompts: {@code x} is [H, N, Dh] and each row is rotated by
     * its position within its own prompt.
     */
    public NDArray apply(NDArray x, boolean interleaved, Batch batch) {
        if (batch.segments() == 1) {
            return apply(x, interleaved);
        }
        NDList cs = batch.cosSin(this, x.getDataType()); // each [N, half]
        return rotate(x, cs.get(0), cs.get(1), interleaved);
    }

    private NDArray rotate(NDArray x, NDArray cos, NDArray sin, boolean interleaved) {
        Shape shape = x.getShape();
        long h = shape.get(0);
        int t = Math.toIntExact(shape.get(1));
        long dh = shape.get(2);
        if (rotaryDim > dh) {
            throw new IllegalArgumentException("rotary dimension " + rotaryDim + " exceeds head size " + dh);
        }
        int half = rotaryDim / 2;
        NDArray rot = rotaryDim == dh ? x : x.get(":, :, 0:" + rotaryDim);
        NDArray out;
        if (!interleaved) {
            // rotate_half: (x1, x2) → (x1·cos - x2·sin, x2·cos + x1·sin) with x1 = first half, x2 = second
            NDArray x1 = rot.get(":, :, 0:" + half);
            NDArray x2 = rot.get(":, :, " + half + ":");
            out = x1.mul(cos).sub(x2.mul(sin)).concat(x2.mul(cos).add(x1.mul(sin)), 2);
        } else {
            // rotate_every_two: pairs (x[2i], x[2i+1]) rotate by angle i          [H, T, half, 2]
            NDArray pairs = rot.reshape(h, t, half, 2);
            NDArray even = pairs.get(":, :, :, 0");
            NDArray odd = pairs.get(":, :, :, 1");
            out = even.mul(cos).sub(odd.mul(sin)).stack(odd.mul(cos).add(even.mul(sin)), 3)
                    .reshape(h, t, rotaryDim);
        }
        return rotaryDim == dh ? out : out.concat(x.get(":, :, " + rotaryDim + ":"), 2);
    }

    /** cos and sin of {@code position · invFreq} [T, rotaryDim/2] times the attention factor, in float32 as torch. */
    NDList cosSin(NDManager manager, int t, DataType dtype) {
        int half = invFreq.length;
        float scale = (float) attentionFactor;
        float[] c = new float[t * half];
        float[] s = new float[t * half];
        for (int p = 0; p < t; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) p * (float) invFreq[i];
                c[p * half + i] = (float) Math.cos(angle) * scale;
                s[p * half + i] = (float) Math.sin(angle) * scale;
            }
        }
        NDArray cos = manager.create(c, new Shape(t, half));
        NDArray sin = manager.create(s, new Shape(t, half));
        if (dtype != DataType.FLOAT32) {
            cos = cos.toType(dtype, false);
            sin = sin.toType(dtype, false);
        }
        return new NDList(cos, sin);
    }
}
