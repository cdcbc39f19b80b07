package dev.logitlens.core.model;

/**
 * Rotary inverse frequencies as transformers' {@code modeling_rope_utils} computes them, in float32 as
 * torch does: {@code theta^(-2i/rotaryDim)} with a {@link RopeScaling} applied, and the factor cos/sin are
 * multiplied by ({@code attention_scaling}).
 *
 * @param invFreq         one per rotated pair
 * @param attentionFactor 1 except for yarn and longrope
 */
record RopeFrequencies(double[] invFreq, double attentionFactor) {

    /**
     * The frequencies for a sequence of {@code seqLen} tokens at positions 0..seqLen-1; 0 for an unknown
     * length (what HF builds at init, seq_len=None: the default base, longrope's short factors).
     */
    static RopeFrequencies of(RopeScaling scaling, int dim, double theta, int seqLen) {
        if (scaling instanceof RopeScaling.Default) {
            return new RopeFrequencies(defaultInvFreq(dim, theta), 1.0);
        } else if (scaling instanceof RopeScaling.Linear l) {
            double[] inv = defaultInvFreq(dim, theta);
            for (int i = 0; i < inv.length; i++) {
                inv[i] = (float) (inv[i] / l.factor());
            }
            return new RopeFrequencies(inv, 1.0);
        } else if (scaling instanceof RopeScaling.Llama3 l) {
            return new RopeFrequencies(llama3(defaultInvFreq(dim, theta), l), 1.0);
        } else if (scaling instanceof RopeScaling.Yarn y) {
            return yarn(dim, theta, y);
        } else if (scaling instanceof RopeScaling.Dynamic d) {
            return dynamic(dim, theta, d, seqLen);
        } else if (scaling instanceof RopeScaling.LongRope l) {
            return longrope(dim, theta, l, seqLen);
        }
        throw new IllegalStateException("unhandled " + scaling);
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

    /** Llama 3.1's frequency-dependent scaling (transformers' _compute_llama3_parameters), in float32. */
    private static double[] llama3(double[] inv, RopeScaling.Llama3 s) {
        double factor = s.factor();
        double low = s.lowFreqFactor();
        double high = s.highFreqFactor();
        double oldContext = s.originalMaxPositions();
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
        return inv;
    }

    /**
     * YaRN (transformers' _compute_yarn_parameters): frequencies blend from extrapolated (high, kept) to
     * interpolated (low, divided by factor) over a linear ramp between the dimensions that rotate
     * beta_fast and beta_slow times within original_max_position_embeddings; cos/sin carry
     * {@code attention_factor}, by default {@code 0.1·ln(factor) + 1} (or the mscale / mscale_all_dim ratio).
     */
    private static RopeFrequencies yarn(int dim, double theta, RopeScaling.Yarn s) {
        double factor = s.factor();
        // The ramp's ends in (fractional) dimension units; whole dimensions unless truncate is false.
        double low = yarnCorrectionDim(s.betaFast(), dim, theta, s.originalMaxPositions());
        double high = yarnCorrectionDim(s.betaSlow(), dim, theta, s.originalMaxPositions());
        if (s.truncate()) {
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
        return new RopeFrequencies(inv, s.attentionFactor());
    }

    /** The dimension whose frequency turns {@code rotations} times over {@code maxPositions} positions. */
    private static double yarnCorrectionDim(double rotations, int dim, double base, double maxPositions) {
        return dim * Math.log(maxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    /**
     * Dynamic NTK (transformers' _compute_dynamic_ntk_parameters under dynamic_rope_update): up to
     * max_position_embeddings the default frequencies; beyond, the base becomes
     * {@code base · (factor·T/max - (factor-1))^(dim/(dim-2))}, computed in float32 as the forward pass does
     * with its tensor sequence length.
     */
    private static RopeFrequencies dynamic(int dim, double theta, RopeScaling.Dynamic s, int seqLen) {
        if (seqLen <= s.maxPositions()) {
            return new RopeFrequencies(defaultInvFreq(dim, theta), 1.0);
        }
        double factor = s.factor();
        float ratio = (float) factor * (float) seqLen / (float) s.maxPositions() - (float) (factor - 1);
        float base = (float) theta * powF(ratio, (float) ((double) dim / (dim - 2)));
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0f / powF(base, (float) (2 * i) / (float) dim);
        }
        return new RopeFrequencies(inv, 1.0);
    }

    /**
     * LongRoPE (transformers' _compute_longrope_parameters): {@code 1 / (ext_i · theta^(2i/dim))} with
     * ext = long_factor when the sequence is longer than original_max_position_embeddings, else
     * short_factor; cos/sin carry {@code attention_factor}, by default
     * {@code sqrt(1 + ln(factor) / ln(original_max))} with factor = max_position_embeddings / original_max
     * unless the scaling gives one.
     */
    private static RopeFrequencies longrope(int dim, double theta, RopeScaling.LongRope s, int seqLen) {
        double[] ext = seqLen > s.originalMaxPositions() ? s.longFactor() : s.shortFactor();
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1.0f / ((float) ext[i] * powF((float) theta, (float) (2 * i) / (float) dim));
        }
        return new RopeFrequencies(inv, s.attentionFactor());
    }
}
