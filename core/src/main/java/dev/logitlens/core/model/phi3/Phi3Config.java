package dev.logitlens.core.model.phi3;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.model.ConfigReader;

/**
 * Phi-3's config.json ({@code Phi3Config}), with Hugging Face's defaults for absent keys.
 *
 * @param kvHeads       num_key_value_heads (GQA); num_attention_heads when absent
 * @param headDim       head_dim when the config sets it, else hidden_size / num_attention_heads
 * @param slidingWindow sliding_window (keys at distance ≥ window are masked), or 0 for none
 * @param ropeScaling   the {@code rope_scaling} (or {@code rope_parameters}) object, or null
 * @param originalMaxPositions original_max_position_embeddings (the pre-extension context longrope switches
 *                      factors at), or 0 when absent
 */
public record Phi3Config(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        Integer kvHeads,
        Integer headDim,
        String activation,
        Integer maxPositions,
        Integer originalMaxPositions,
        Float rmsNormEps,
        Double ropeTheta,
        Double partialRotaryFactor,
        JsonNode ropeScaling,
        Integer slidingWindow,
        Boolean tieWordEmbeddings) {

    public Phi3Config {
        if (kvHeads == null) {
            kvHeads = numHeads;
        }
        if (headDim == null && numHeads > 0) {
            headDim = hiddenSize / numHeads;
        }
        if (activation == null) {
            activation = "silu";
        }
        if (maxPositions == null) {
            maxPositions = 4096;
        }
        if (originalMaxPositions == null) {
            originalMaxPositions = 0;
        }
        if (rmsNormEps == null) {
            rmsNormEps = 1e-5f;
        }
        if (ropeTheta == null) {
            ropeTheta = 10000.0;
        }
        if (partialRotaryFactor == null) {
            partialRotaryFactor = 1.0;
        }
        if (ropeScaling != null && ropeScaling.isNull()) {
            ropeScaling = null;
        }
        if (slidingWindow == null) {
            slidingWindow = 0;
        }
        if (tieWordEmbeddings == null) {
            tieWordEmbeddings = false;
        }
        if (hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || vocabSize <= 0 || intermediateSize <= 0
                || kvHeads <= 0) {
            throw new IllegalArgumentException("hidden_size, num_hidden_layers, num_attention_heads, "
                    + "num_key_value_heads, vocab_size and intermediate_size must be positive");
        }
        if (numHeads % kvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
    }

    /** int(head_dim · partial_rotary_factor), as Phi3RotaryEmbedding computes it. */
    public int rotaryDim() {
        return (int) (headDim * partialRotaryFactor);
    }

    public static Phi3Config from(JsonNode json, String where) {
        JsonNode params = json.get("rope_parameters");
        ConfigReader r = new ConfigReader(json, where);
        int vocab = r.required("vocab_size", 32064);
        int hidden = r.required("hidden_size", 3072);
        int inter = r.required("intermediate_size", 8192);
        int layers = r.required("num_hidden_layers", 32);
        int heads = r.required("num_attention_heads", 32);
        Phi3Config c = r.build("Phi-3", () -> new Phi3Config(vocab, hidden, inter, layers, heads,
                r.intOrNull("num_key_value_heads"), r.intOrNull("head_dim"), r.textOrNull("hidden_act"),
                r.intOrNull("max_position_embeddings"), r.intOrNull("original_max_position_embeddings"),
                r.floatOrNull("rms_norm_eps"), r.doubleOrNull("rope_theta"), r.doubleOrNull("partial_rotary_factor"),
                json.get("rope_scaling"), r.intOrNull("sliding_window"), r.boolOrNull("tie_word_embeddings")));
        if (c.ropeScaling() == null && params != null && params.isObject()) {
            // Newer transformers save rope_theta, partial_rotary_factor and the scaling in rope_parameters.
            c = new Phi3Config(c.vocabSize, c.hiddenSize, c.intermediateSize, c.numLayers, c.numHeads, c.kvHeads,
                    c.headDim, c.activation, c.maxPositions, c.originalMaxPositions, c.rmsNormEps,
                    params.has("rope_theta") ? params.get("rope_theta").asDouble() : c.ropeTheta,
                    params.has("partial_rotary_factor") ? params.get("partial_rotary_factor").asDouble()
                            : c.partialRotaryFactor,
                    params, c.slidingWindow, c.tieWordEmbeddings);
        }
        return c;
    }
}
