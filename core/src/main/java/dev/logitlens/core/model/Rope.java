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
 */
public final class Rope {
    private final int rotaryDim;
    private final double[] invFreq;
    private final double attentionFactor;
    /** What {@link #forLength} needs to recompute; null for scalings that do not depend on the length. */
    private final Scaling scaling;

    /** A parsed rope_scaling of a length-dependent type, with the config values it reads. */
    private record Scaling(String type, double theta, JsonNode node, int maxPositions, int originalMaxPositions) {}

    private Rope(int rotaryDim, double[] invFreq, double attentionFactor, Scaling scaling) {
        this.rotaryDim = rotaryDim;
        this.invFreq = invFreq;
        this.attentionFactor = attentionFactor;
        this.scaling = scaling;
    }

    /**
     * Inverse frequencies for {@code rotaryDim} dimensions with the config's {@code rope_scaling}
     * (or {@code rope_parameters}) applied: none / {@code default}, {@code linear}, {@code llama3},
     * {@code dynamic}, {@code yarn}, {@code longrope} (and its old name {@code su}). Other types fail
     * rather than give wrong numbers. A config.json top-level {@code original_max_position_embeddings}
     * is not seen by this overload; use the five-argument one where the config may have it.
     *
     * @param ropeScaling  the config's rope_scaling object; null, missing or JSON null for none
     * @param maxPositions the config's max_position_embeddings (llama3, yarn and longrope fall back to it
     *                     when original_max_position_embeddings is absent; dynamic scales beyond it)
     */
    public static Rope fromConfig(int rotaryDim, double theta, JsonNode ropeScaling, int maxPositions) {
        return fromConfig(rotaryDim, theta, ropeScaling, maxPositions, 0);
    }

    /**
     * As {@link #fromConfig(int, double, JsonNode, int)}, with the config's top-level
     * {@code original_max_position_embeddings} (Phi-3 keeps it there), which longrope uses when the
     * scaling object does not carry its own.
     *
     * @param originalMaxPositions the top-level original_max_position_embeddings, or 0 when absent
     */
    public static Rope fromConfig(int rotaryDim, double theta, JsonNode ropeScaling, int maxPositions,
                                  int originalMaxPositions) {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw new CheckpointException("config.json: rotary dimension " + rotaryDim
                    + " must be a positive even number (check head_dim / partial_rotary_factor / rotary_dim)");
        }
        String type = scalingType(ropeScaling);
        double[] inv = defaultInvFreq(rotaryDim, theta);
        switch (type) {
            case "default" -> { }
            case "linear" -> {
                double factor = number(ropeScaling, "factor");
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = (float) (inv[i] / factor);
                }
            }
            case "llama3" -> llama3(inv, ropeScaling, maxPositions);
            case "yarn" -> {
                return yarn(rotaryDim, theta, ropeScaling, maxPositions);
            }
            case "dynamic", "longrope", "su" -> {
                Scaling s = new Scaling(type.equals("su") ? "longrope" : type, theta, ropeScaling, maxPositions,
                        originalMaxPositions);
                // Unknown length: what HF builds at init (seq_len=None), i.e. the default base / short factors.
                return lengthDependent(rotaryDim, s, 0);
            }
            default -> throw new CheckpointException("config.json: rope_scaling type '" + type
                    + "' is not supported (supported: default, linear, llama3, dynamic, yarn, longrope/su); "
                    + "the lens would give wrong numbers with it ignored");
        }
        return new Rope(rotaryDim, inv, 1.0, null);
    }

    /**
     * The rotary HF uses for a sequence of {@code seqLen} tokens at positions 0..seqLen-1: the same
     * object unless the scaling is {@code dynamic} or {@code longrope}.
     */
    public Rope forLength(int seqLen) {
        return scaling == null ? this : lengthDependent(rotaryDim, scaling, seqLen);
    }

    /** {@code theta^(-2i/dim)} as torch computes it: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), float32. */
    private static double[] defaultInvFreq(int dim, double theta) {
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0f / powF((float) theta, (float) (2 * i) / (float) dim);
        }
        return inv;
    }

    /** float32 power, as torch's pow on float tensors. */
    private static float powF(float base, float exponent) {
        return (float) Math.pow(base, exponent);
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

    /** The key's number, or null when absent or JSON null (HF's {@code dict.get(key)}). */
    private static Double optional(JsonNode s, String key) {
        JsonNode v = s.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new CheckpointException("config.json: rope_scaling." + key + " must be a number, got " + v);
        }
        return v.asDouble();
    }

    /** Python truthiness of an optional number: absent, null and 0 all count as unset. */
    private static boolean truthy(Double v) {
        return v != null && v != 0.0;
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

    /**
     * YaRN (transformers' _compute_yarn_parameters): frequencies blend from extrapolated (high, kept) to
     * interpolated (low, divided by factor) over a linear ramp between the dimensions that rotate
     * beta_fast and beta_slow times within original_max_position_embeddings; cos/sin carry
     * {@code attention_factor}, by default {@code 0.1·ln(factor) + 1} (or the mscale / mscale_all_dim ratio).
     */
    private static Rope yarn(int dim, double theta, JsonNode s, int maxPositions) {
        double factor = number(s, "factor");
        Double orig = optional(s, "original_max_position_embeddings");
        double originalMax = truthy(orig) ? orig : maxPositions;
        Double attention = optional(s, "attention_factor");
        Double mscale = optional(s, "mscale");
        Double mscaleAllDim = optional(s, "mscale_all_dim");
        if (attention == null) {
            attention = truthy(mscale) && truthy(mscaleAllDim)
                    ? yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim) : yarnMscale(factor, 1);
        }
        Double betaFastV = optional(s, "beta_fast");
        Double betaSlowV = optional(s, "beta_slow");
        double betaFast = truthy(betaFastV) ? betaFastV : 32;
        double betaSlow = truthy(betaSlowV) ? betaSlowV : 1;
        JsonNode t = s.get("truncate");
        if (t != null && !t.isNull() && !t.isBoolean()) {
            throw new CheckpointException("config.json: rope_scaling.truncate must be true or false, got " + t);
        }
        boolean truncate = t == null || t.isNull() || t.asBoolean();

        // The ramp's ends in (fractional) dimension units; whole dimensions unless truncate is false.
        double low = yarnCorrectionDim(betaFast, dim, theta, originalMax);
        double high = yarnCorrectionDim(betaSlow, dim, theta, originalMax);
        if (truncate) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001; // HF's guard against a zero-width ramp
        }
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float posFreq = powF((float) theta, (float) (2 * i) / (float) dim);
            float extrapolation = 1.0f / posFreq;
            float interpolation = 1.0f / ((float) factor * posFreq);
            float ramp = Math.min(Math.max(((float) i - (float) low) / (float) (high - low), 0f), 1f);
            float keep = 1f - ramp; // share of the unscaled (extrapolated) frequency
            inv[i] = interpolation * (1f - keep) + extrapolation * keep;
        }
        return new Rope(dim, inv, attention, null);
    }

    private static double yarnMscale(double scale, double mscale) {
        return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
    }

    /** The dimension whose frequency turns {@code rotations} times over {@code maxPositions} positions. */
    private static double yarnCorrectionDim(double rotations, int dim, double base, double maxPositions) {
        return dim * Math.log(maxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    /** dynamic or longrope frequencies for a sequence of {@code seqLen} tokens (0: unknown, HF's init). */
    private static Rope lengthDependent(int dim, Scaling s, int seqLen) {
        return s.type().equals("dynamic") ? dynamic(dim, s, seqLen) : longrope(dim, s, seqLen);
    }

    /**
     * Dynamic NTK (transformers' _compute_dynamic_ntk_parameters under dynamic_rope_update): up to
     * max_position_embeddings the default frequencies; beyond, the base becomes
     * {@code base · (factor·T/max - (factor-1))^(dim/(dim-2))}, computed in float32 as the forward pass does
     * with its tensor sequence length.
     */
    private static Rope dynamic(int dim, Scaling s, int seqLen) {
        double factor = number(s.node(), "factor");
        if (seqLen <= s.maxPositions()) {
            return new Rope(dim, defaultInvFreq(dim, s.theta()), 1.0, s);
        }
        float ratio = (float) factor * (float) seqLen / (float) s.maxPositions() - (float) (factor - 1);
        float base = (float) s.theta() * powF(ratio, (float) ((double) dim / (dim - 2)));
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0f / powF(base, (float) (2 * i) / (float) dim);
        }
        return new Rope(dim, inv, 1.0, s);
    }

    /**
     * LongRoPE (transformers' _compute_longrope_parameters): {@code 1 / (ext_i · theta^(2i/dim))} with
     * ext = long_factor when the sequence is longer than original_max_position_embeddings, else
     * short_factor; cos/sin carry {@code attention_factor}, by default
     * {@code sqrt(1 + ln(factor) / ln(original_max))} with factor = max_position_embeddings / original_max
     * unless the scaling gives one.
     */
    private static Rope longrope(int dim, Scaling s, int seqLen) {
        JsonNode n = s.node();
        Double origV = optional(n, "original_max_position_embeddings");
        double originalMax = origV != null ? origV
                : s.originalMaxPositions() > 0 ? s.originalMaxPositions() : s.maxPositions();
        Double factorV = optional(n, "factor");
        double factor = factorV != null ? factorV : s.maxPositions() / originalMax;
        Double attention = optional(n, "attention_factor");
        if (attention == null) {
            attention = factor <= 1.0 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(originalMax));
        }
        String key = seqLen > originalMax ? "long_factor" : "short_factor";
        double[] ext = factors(n, key, dim / 2);
        factors(n, seqLen > originalMax ? "short_factor" : "long_factor", dim / 2); // both must be valid
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0f / ((float) ext[i] * powF((float) s.theta(), (float) (2 * i) / (float) dim));
        }
        return new Rope(dim, inv, attention, s);
    }

    /** A per-dimension factor list, one number per rotated pair. */
    private static double[] factors(JsonNode s, String key, int half) {
        JsonNode v = s.get(key);
        if (v == null || !v.isArray() || v.size() != half) {
            throw new CheckpointException("config.json: rope_scaling." + key + " must be a list of " + half
                    + " numbers (rotary dimension / 2), got " + (v == null ? "nothing" : v.size() + " entries"));
        }
        double[] out = new double[half];
        for (int i = 0; i < half; i++) {
            if (!v.get(i).isNumber()) {
                throw new CheckpointException("config.json: rope_scaling." + key + "[" + i + "] is not a number: "
                        + v.get(i));
            }
            out[i] = v.get(i).asDouble();
        }
        return out;
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

    public int rotaryDim() {
        return rotaryDim;
    }

    /**
     * Rotates {@code x} [H, T, Dh] at positions 0..T-1 on its first {@code rotaryDim} dimensions, with the
     * frequencies and attention factor HF uses for a sequence of T tokens.
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
        NDList cs = forLength(t).cosSin(x.getManager(), t, x.getDataType()); // each [T, half]
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

    /** cos and sin of {@code position · invFreq} [T, rotaryDim/2] times the attention factor, in float32 as torch. */
    private NDList cosSin(NDManager manager, int t, DataType dtype) {
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
