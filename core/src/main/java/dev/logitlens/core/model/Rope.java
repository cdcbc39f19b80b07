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
 * {@code position · invFreq} in float32, cos/sin cast to the activations' dtype.
 *
 * <p>Two layouts: {@code rotate_half} (Llama, NeoX, Gemma, Phi-3: dimension i pairs with i + rotaryDim/2)
 * and GPT-J's {@code rotate_every_two} (interleaved: dimension 2i pairs with 2i + 1). Dimensions past
 * {@code rotaryDim} (partial rotary) pass through unchanged.
 */
public final class Rope {
    private final int rotaryDim;
    private final double[] invFreq;

    private Rope(int rotaryDim, double[] invFreq) {
        this.rotaryDim = rotaryDim;
        this.invFreq = invFreq;
    }

    /**
     * Inverse frequencies for {@code rotaryDim} dimensions with the config's {@code rope_scaling}
     * (or {@code rope_parameters}) applied: none / {@code default}, {@code linear} or {@code llama3}.
     * Others ({@code dynamic}, {@code yarn}, {@code longrope}, ...) fail rather than give wrong numbers.
     *
     * @param ropeScaling  the config's rope_scaling object; null, missing or JSON null for none
     * @param maxPositions the config's max_position_embeddings, used by llama3 scaling when the scaling
     *                     object lacks original_max_position_embeddings
     */
    public static Rope fromConfig(int rotaryDim, double theta, JsonNode ropeScaling, int maxPositions) {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw new CheckpointException("config.json: rotary dimension " + rotaryDim
                    + " must be a positive even number (check head_dim / partial_rotary_factor / rotary_dim)");
        }
        int half = rotaryDim / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            // torch: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), all in float32
            float exponent = (float) (2 * i) / (float) rotaryDim;
            float pow = (float) Math.pow((float) theta, exponent);
            inv[i] = 1.0f / pow;
        }
        String type = scalingType(ropeScaling);
        switch (type) {
            case "default" -> { }
            case "linear" -> {
                double factor = number(ropeScaling, "factor");
                for (int i = 0; i < half; i++) {
                    inv[i] = (float) (inv[i] / factor);
                }
            }
            case "llama3" -> llama3(inv, ropeScaling, maxPositions);
            default -> throw new CheckpointException("config.json: rope_scaling type '" + type
                    + "' is not supported (supported: default, linear, llama3); the lens would give wrong numbers "
                    + "with it ignored");
        }
        return new Rope(rotaryDim, inv);
    }

    /** The scaling's name from {@code rope_type} (newer configs) or {@code type} (older ones). */
    private static String scalingType(JsonNode s) {
        if (s == null || s.isNull() || s.isMissingNode()) {
            return "default";
        }
        if (!s.isObject()) {
            throw new CheckpointException("config.json: rope_scaling must be an object or null, got " + s);
        }
        JsonNode t = s.has("rope_type") ? s.get("rope_type") : s.get("type");
        if (t == null || t.isNull()) {
            throw new CheckpointException("config.json: rope_scaling " + s + " has neither 'rope_type' nor 'type'");
        }
        return t.asText();
    }

    private static double number(JsonNode s, String key) {
        JsonNode v = s.get(key);
        if (v == null || !v.isNumber()) {
            throw new CheckpointException("config.json: rope_scaling." + key + " is missing or not a number in " + s
                    + "; add it as the model's original config has it");
        }
        return v.asDouble();
    }

    /** Llama 3.1's frequency-dependent scaling (transformers' _compute_llama3_parameters), in float32. */
    private static void llama3(double[] inv, JsonNode s, int maxPositions) {
        double factor = number(s, "factor");
        double low = number(s, "low_freq_factor");
        double high = number(s, "high_freq_factor");
        double oldContext = s.has("original_max_position_embeddings")
                ? number(s, "original_max_position_embeddings") : maxPositions;
        double lowFreqWavelen = oldContext / low;
        double highFreqWavelen = oldContext / high;
        for (int i = 0; i < inv.length; i++) {
            float f = (float) inv[i];
            float wavelen = (float) (2 * Math.PI / f);
            float scaled = wavelen > lowFreqWavelen ? (float) (f / factor) : f;
            boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
            if (medium) {
                float smooth = (float) ((oldContext / wavelen - low) / (high - low));
                scaled = (float) ((1 - smooth) * scaled / factor + smooth * scaled);
            }
            inv[i] = scaled;
        }
    }

    /** The inverse frequencies (float32 values), one per rotated pair. */
    public double[] invFreq() {
        return invFreq.clone();
    }

    public int rotaryDim() {
        return rotaryDim;
    }

    /**
     * Rotates {@code x} [H, T, Dh] at positions 0..T-1 on its first {@code rotaryDim} dimensions.
     *
     * @param interleaved false: rotate_half layout; true: GPT-J's rotate_every_two layout
     */
    public NDArray apply(NDArray x, boolean interleaved) {
        Shape shape = x.getShape();
        long h = shape.get(0);
        int t = Math.toIntExact(shape.get(1));
        long dh = shape.get(2);
        if (rotaryDim > dh) {
            throw new IllegalArgumentException("rotary dimension " + rotaryDim + " exceeds head size " + dh);
        }
        int half = rotaryDim / 2;
        NDList cs = cosSin(x.getManager(), t, x.getDataType()); // each [T, half]
        NDArray cos = cs.get(0);
        NDArray sin = cs.get(1);
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

    /** cos and sin of {@code position · invFreq} [T, rotaryDim/2], angles in float32 as torch. */
    private NDList cosSin(NDManager manager, int t, DataType dtype) {
        int half = invFreq.length;
        float[] c = new float[t * half];
        float[] s = new float[t * half];
        for (int p = 0; p < t; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) p * (float) invFreq[i];
                c[p * half + i] = (float) Math.cos(angle);
                s[p * half + i] = (float) Math.sin(angle);
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

    /**
     * The same rotation in plain doubles, for reference tests: {@code x} [T][H·Dh] → a rotated copy.
     */
    public static double[][] naive(double[][] x, int heads, int headDim, int rotaryDim, double[] invFreq,
                                   boolean interleaved) {
        int half = rotaryDim / 2;
        double[][] y = new double[x.length][];
        for (int p = 0; p < x.length; p++) {
            y[p] = x[p].clone();
            for (int hd = 0; hd < heads; hd++) {
                int base = hd * headDim;
                for (int i = 0; i < half; i++) {
                    double angle = p * invFreq[i];
                    double cos = Math.cos(angle);
                    double sin = Math.sin(angle);
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
