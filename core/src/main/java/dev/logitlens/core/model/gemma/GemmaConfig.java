package dev.logitlens.core.model.gemma;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.model.ConfigReader;

import java.util.ArrayList;
import java.util.List;

/**
 * The config.json of Gemma ({@code gemma}), Gemma 2 ({@code gemma2}) and Gemma 3 text ({@code gemma3_text}),
 * resolved into what the forward pass needs, with each version's Hugging Face defaults for absent keys.
 * A key present as JSON null means "off" (e.g. {@code "final_logit_softcapping": null}), as in Hugging Face.
 *
 * @param version            1, 2 or 3
 * @param activation         the MLP's gate activation (hidden_activation)
 * @param attentionScale     multiplier of q·k: query_pre_attn_scalar^-0.5 (Gemma 2/3), head_dim^-0.5 (Gemma 1)
 * @param attnSoftcap        attention logit cap, 0 for none
 * @param finalSoftcap       final logit cap applied to every lens layer, 0 for none
 * @param sandwichNorms      Gemma 2/3: post_attention_layernorm after attention and pre/post_feedforward_layernorm
 *                           around the MLP (Gemma 1's post_attention_layernorm is the MLP's pre-norm)
 * @param qkNorm             Gemma 3: q_norm / k_norm over each head before the rotary embedding
 * @param layers             per block: sliding window (0 = global) and its rotary embedding
 */
public record GemmaConfig(String modelType, int version, int vocabSize, int hiddenSize, int intermediateSize,
                          int numLayers, int numHeads, int numKvHeads, int headDim, String activation,
                          int maxPositions, float rmsNormEps, boolean tieWordEmbeddings, boolean attentionBias,
                          double attentionScale, float attnSoftcap, float finalSoftcap, boolean sandwichNorms,
                          boolean qkNorm, List<Layer> layers) {

    /**
     * One block's attention pattern.
     *
     * @param window      sliding window size, 0 for global attention
     * @param ropeTheta   rotary base
     * @param ropeScaling rope_scaling object for this layer, or null
     */
    public record Layer(int window, double ropeTheta, JsonNode ropeScaling) {}

    public static final String SLIDING = "sliding_attention";
    public static final String FULL = "full_attention";

    /** Parses {@code json}; {@code where} names the file in errors. */
    public static GemmaConfig from(JsonNode json, String where) {
        String type = json.path("model_type").asText("");
        int version = switch (type) {
            case "gemma" -> 1;
            case "gemma2" -> 2;
            case "gemma3_text" -> 3;
            default -> throw new CheckpointException(where + ": model_type '" + type
                    + "' is not a Gemma text model (gemma, gemma2, gemma3_text)");
        };
        ConfigReader r = new ConfigReader(json, where);
        int vocab = r.positiveInt("vocab_size", version == 3 ? 262_208 : 256_000);
        int hidden = r.positiveInt("hidden_size", version == 1 ? 3072 : 2304);
        int inter = r.positiveInt("intermediate_size", version == 1 ? 24_576 : 9216);
        int layers = r.positiveInt("num_hidden_layers", version == 1 ? 28 : 26);
        int heads = r.positiveInt("num_attention_heads", version == 1 ? 16 : 8);
        int kvHeads = r.positiveInt("num_key_value_heads", version == 1 ? 16 : 4);
        int headDim = r.positiveInt("head_dim", 256);
        int maxPos = r.positiveInt("max_position_embeddings", version == 3 ? 131_072 : 8192);
        float eps = (float) r.doubleOr("rms_norm_eps", 1e-6);
        boolean tie = r.boolOr("tie_word_embeddings", true);
        boolean bias = r.boolOr("attention_bias", false);
        if (heads % kvHeads != 0) {
            throw new CheckpointException(where + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (r.boolOr("use_bidirectional_attention", false)) {
            throw new CheckpointException(where + ": use_bidirectional_attention: true (an encoder such as "
                    + "EmbeddingGemma) is not supported; the logit lens needs a causal language model");
        }
        // Gemma 1 ignores hidden_act (its configs say "gelu") and uses the tanh GELU unless hidden_activation is set.
        String act = r.textOr("hidden_activation", "gelu_pytorch_tanh");

        double scale;
        float attnCap = 0f;
        float finalCap = 0f;
        List<Layer> perLayer = new ArrayList<>(layers);
        if (version == 1) {
            scale = 1.0 / Math.sqrt(headDim);
            RopeBase rope = globalRope(r, 10_000.0);
            for (int i = 0; i < layers; i++) {
                perLayer.add(new Layer(0, rope.theta, rope.scaling));
            }
        } else {
            scale = Math.pow(r.doubleOr("query_pre_attn_scalar", 256.0), -0.5);
            Double window = r.nullableDouble("sliding_window", 4096.0);
            int w = window == null ? 0 : (int) Math.round(window);
            if (w < 0) {
                throw new CheckpointException(where + ": sliding_window must be positive or null, got " + w);
            }
            Double fc = r.nullableDouble("final_logit_softcapping", version == 2 ? 30.0 : null);
            finalCap = fc == null ? 0f : fc.floatValue();
            // Gemma 3's attention never passes attn_logit_softcapping to the attention function: ignored there.
            if (version == 2) {
                Double ac = r.nullableDouble("attn_logit_softcapping", 50.0);
                attnCap = ac == null ? 0f : ac.floatValue();
            }
            List<String> types = layerTypes(r, version, layers);
            RopeBase global;
            RopeBase local;
            if (version == 2) {
                global = globalRope(r, 10_000.0);
                local = global;
            } else {
                global = gemma3Rope(r, FULL, "rope_theta", 1_000_000.0, true);
                local = gemma3Rope(r, SLIDING, "rope_local_base_freq", 10_000.0, false);
            }
            for (String t : types) {
                boolean sliding = t.equals(SLIDING);
                RopeBase rope = sliding ? local : global;
                perLayer.add(new Layer(sliding ? w : 0, rope.theta, rope.scaling));
            }
        }
        return new GemmaConfig(type, version, vocab, hidden, inter, layers, heads, kvHeads, headDim, act, maxPos, eps,
                tie, bias, scale, attnCap, finalCap, version >= 2, version == 3, List.copyOf(perLayer));
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    /** {@code layer_types} if given, else Gemma 2's "even layers slide" or Gemma 3's sliding_window_pattern. */
    private static List<String> layerTypes(ConfigReader r, int version, int layers) {
        JsonNode given = r.json().get("layer_types");
        List<String> types = new ArrayList<>(layers);
        if (given != null && !given.isNull()) {
            if (!given.isArray() || given.size() != layers) {
                throw new CheckpointException(r.where() + ": layer_types must be a list of " + layers
                        + " entries (num_hidden_layers), got " + given);
            }
            for (JsonNode t : given) {
                String s = t.asText();
                if (!s.equals(SLIDING) && !s.equals(FULL)) {
                    throw new CheckpointException(r.where() + ": layer_types entry '" + s + "' is not one of "
                            + SLIDING + ", " + FULL);
                }
                types.add(s);
            }
            return types;
        }
        // Hugging Face: layer i slides when (i + 1) % pattern != 0; Gemma 2's pattern is 2 (layers 0, 2, 4, ... slide).
        int pattern = version == 2 ? 2 : r.intOr("sliding_window_pattern", 6);
        if (pattern <= 0) {
            throw new CheckpointException(r.where() + ": sliding_window_pattern must be positive, got " + pattern);
        }
        for (int i = 0; i < layers; i++) {
            types.add((i + 1) % pattern != 0 ? SLIDING : FULL);
        }
        return types;
    }

    private record RopeBase(double theta, JsonNode scaling) {}

    /** rope_theta and rope_scaling, or the newer flat rope_parameters object. */
    private static RopeBase globalRope(ConfigReader r, double defaultTheta) {
        JsonNode params = r.json().get("rope_parameters");
        if (params != null && params.isObject()) {
            return fromParameters(r, "rope_parameters", params, "rope_theta", defaultTheta);
        }
        return new RopeBase(r.doubleOr("rope_theta", defaultTheta),
                checkScaling(r, "rope_scaling", r.json().get("rope_scaling")));
    }

    /**
     * Gemma 3: global layers use rope_theta with rope_scaling; local (sliding) layers use rope_local_base_freq
     * without scaling. Newer configs nest both under rope_parameters.{full_attention, sliding_attention}.
     */
    private static RopeBase gemma3Rope(ConfigReader r, String layerType, String thetaKey, double defaultTheta,
                                       boolean scaled) {
        JsonNode params = r.json().path("rope_parameters").path(layerType);
        if (params.isObject()) {
            return fromParameters(r, "rope_parameters." + layerType, params, thetaKey, defaultTheta);
        }
        return new RopeBase(r.doubleOr(thetaKey, defaultTheta),
                scaled ? checkScaling(r, "rope_scaling", r.json().get("rope_scaling")) : null);
    }

    /** A rope_parameters object: its own rope_theta (else the top-level key) and its scaling. */
    private static RopeBase fromParameters(ConfigReader r, String key, JsonNode params, String thetaKey, double dflt) {
        double theta = params.has("rope_theta") ? params.get("rope_theta").asDouble() : r.doubleOr(thetaKey, dflt);
        return new RopeBase(theta, checkScaling(r, key, params));
    }

    /** Gemma checkpoints use no scaling or linear scaling; anything else fails here, naming the key. */
    private static JsonNode checkScaling(ConfigReader r, String key, JsonNode s) {
        if (s == null || s.isNull()) {
            return null;
        }
        JsonNode t = s.has("rope_type") ? s.get("rope_type") : s.get("type");
        String type = t == null || t.isNull() ? "default" : t.asText();
        return switch (type) {
            case "default" -> null;
            case "linear" -> s;
            default -> throw new CheckpointException(r.where() + ": " + key + " has rope type '" + type
                    + "'; Gemma models are supported with no scaling or 'linear' scaling only");
        };
    }
}
