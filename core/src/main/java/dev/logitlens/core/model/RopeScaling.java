package dev.logitlens.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.checkpoint.CheckpointException;

/**
 * A config's {@code rope_scaling} (or {@code rope_parameters}) read into a typed record, with
 * transformers' defaults filled in and every key checked where it is read: an error names the config
 * file and the key. {@link RopeFrequencies} turns a scaling into frequencies; this class only reads.
 */
public sealed interface RopeScaling {

    /** No scaling ({@code default}, absent or JSON null). */
    record Default() implements RopeScaling {}

    /** {@code linear}: every frequency divided by {@code factor}. */
    record Linear(double factor) implements RopeScaling {}

    /** {@code llama3}: Llama 3.1's three bands, over {@code originalMaxPositions} (the old context). */
    record Llama3(double factor, double lowFreqFactor, double highFreqFactor, double originalMaxPositions)
            implements RopeScaling {}

    /** {@code yarn}, with transformers' defaults resolved (beta_fast 32, beta_slow 1, truncate true). */
    record Yarn(double factor, double originalMaxPositions, double attentionFactor, double betaFast,
                double betaSlow, boolean truncate) implements RopeScaling {}

    /** {@code dynamic} NTK: the base grows once the sequence is longer than {@code maxPositions}. */
    record Dynamic(double factor, int maxPositions) implements RopeScaling {}

    /**
     * {@code longrope} (and its old name {@code su}): {@code shortFactor} up to {@code originalMaxPositions},
     * {@code longFactor} beyond, one number per rotated pair each.
     */
    record LongRope(double originalMaxPositions, double attentionFactor, double[] shortFactor, double[] longFactor)
            implements RopeScaling {}

    /** Whether the frequencies depend on the sequence length. */
    default boolean lengthDependent() {
        return this instanceof Dynamic || this instanceof LongRope;
    }

    /**
     * Reads {@code node}; unknown types fail rather than give wrong numbers.
     *
     * @param where                the config.json path, as errors name it
     * @param rotaryDim            rotated dimensions per head (longrope's lists hold rotaryDim / 2 numbers)
     * @param maxPositions         max_position_embeddings (llama3, yarn and longrope fall back to it when
     *                             original_max_position_embeddings is absent; dynamic scales beyond it)
     * @param originalMaxPositions a top-level original_max_position_embeddings (Phi-3 keeps it there), or 0
     */
    static RopeScaling parse(JsonNode node, String where, int rotaryDim, int maxPositions, int originalMaxPositions) {
        Keys s = new Keys(node, where);
        String type = s.type();
        switch (type) {
            case "default":
                return new Default();
            case "linear":
                return new Linear(s.number("factor"));
            case "llama3": {
                double factor = s.number("factor");
                double low = s.number("low_freq_factor");
                double high = s.number("high_freq_factor");
                double old = node.has("original_max_position_embeddings")
                        ? s.number("original_max_position_embeddings") : maxPositions;
                return new Llama3(factor, low, high, old);
            }
            case "yarn": {
                double factor = s.number("factor");
                Double orig = s.optional("original_max_position_embeddings");
                Double attention = s.optional("attention_factor");
                Double mscale = s.optional("mscale");
                Double mscaleAllDim = s.optional("mscale_all_dim");
                if (attention == null) {
                    attention = truthy(mscale) && truthy(mscaleAllDim)
                            ? yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim) : yarnMscale(factor, 1);
                }
                Double betaFast = s.optional("beta_fast");
                Double betaSlow = s.optional("beta_slow");
                return new Yarn(factor, truthy(orig) ? orig : maxPositions, attention,
                        truthy(betaFast) ? betaFast : 32, truthy(betaSlow) ? betaSlow : 1, s.bool("truncate", true));
            }
            case "dynamic":
                return new Dynamic(s.number("factor"), maxPositions);
            case "longrope":
            case "su": {
                Double origV = s.optional("original_max_position_embeddings");
                double originalMax = origV != null ? origV
                        : originalMaxPositions > 0 ? originalMaxPositions : maxPositions;
                Double factorV = s.optional("factor");
                double factor = factorV != null ? factorV : maxPositions / originalMax;
                Double attention = s.optional("attention_factor");
                if (attention == null) {
                    attention = factor <= 1.0 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(originalMax));
                }
                double[] shortFactor = s.factors("short_factor", rotaryDim / 2);
                double[] longFactor = s.factors("long_factor", rotaryDim / 2);
                return new LongRope(originalMax, attention, shortFactor, longFactor);
            }
            default:
                throw new CheckpointException(where + ": rope_scaling type '" + type
                        + "' is not supported (supported: default, linear, llama3, dynamic, yarn, longrope/su); "
                        + "the lens would give wrong numbers with it ignored");
        }
    }

    /** Python truthiness of an optional number: absent, null and 0 all count as unset. */
    private static boolean truthy(Double v) {
        return v != null && v != 0.0;
    }

    private static double yarnMscale(double scale, double mscale) {
        return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
    }

    /** Typed reads of the scaling object's keys, each error naming the file and {@code rope_scaling.<key>}. */
    record Keys(JsonNode node, String where) {
        /** The scaling's name from {@code rope_type} (newer configs) or {@code type} (older ones). */
        String type() {
            if (node == null || node.isNull() || node.isMissingNode()) {
                return "default";
            }
            if (!node.isObject()) {
                throw new CheckpointException(where + ": rope_scaling must be an object or null, got " + node);
            }
            JsonNode t = node.has("rope_type") ? node.get("rope_type") : node.get("type");
            if (t == null || t.isNull()) {
                throw new CheckpointException(where + ": rope_scaling " + node + " has neither 'rope_type' nor 'type'");
            }
            return t.asText();
        }

        double number(String key) {
            JsonNode v = node.get(key);
            if (v == null || !v.isNumber()) {
                throw new CheckpointException(where + ": rope_scaling." + key + " is missing or not a number in "
                        + node + "; add it as the model's original config has it");
            }
            return v.asDouble();
        }

        /** The key's number, or null when absent or JSON null (HF's {@code dict.get(key)}). */
        Double optional(String key) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isNumber()) {
                throw new CheckpointException(where + ": rope_scaling." + key + " must be a number, got " + v);
            }
            return v.asDouble();
        }

        boolean bool(String key, boolean dflt) {
            JsonNode v = node.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isBoolean()) {
                throw new CheckpointException(where + ": rope_scaling." + key + " must be true or false, got " + v);
            }
            return v.asBoolean();
        }

        /** A per-dimension factor list, one number per rotated pair. */
        double[] factors(String key, int half) {
            JsonNode v = node.get(key);
            if (v == null || !v.isArray() || v.size() != half) {
                throw new CheckpointException(where + ": rope_scaling." + key + " must be a list of " + half
                        + " numbers (rotary dimension / 2), got " + (v == null ? "nothing" : v.size() + " entries"));
            }
            double[] out = new double[half];
            for (int i = 0; i < half; i++) {
                if (!v.get(i).isNumber()) {
                    throw new CheckpointException(where + ": rope_scaling." + key + "[" + i + "] is not a number: "
                            + v.get(i));
                }
                out[i] = v.get(i).asDouble();
            }
            return out;
        }
    }
}
