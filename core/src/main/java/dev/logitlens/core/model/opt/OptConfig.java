package dev.logitlens.core.model.opt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.model.ConfigReader;

/**
 * OPT's config.json ({@code OPTConfig}), with Hugging Face's defaults for absent keys.
 *
 * @param wordEmbedProjDim P, the width of the token embedding and of the unembedding; when it differs from
 *                         D the model has {@code project_in} [D, P] and {@code project_out} [P, D]
 * @param doLayerNormBefore true: pre-LN blocks and a final LayerNorm (most sizes); false: post-LN blocks
 *                          and no final LayerNorm (opt-350m)
 */
public record OptConfig(
        int vocabSize,
        Integer maxPositions,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int ffnDim,
        String activation,
        Boolean doLayerNormBefore,
        Boolean removeFinalLayerNorm,
        Integer wordEmbedProjDim,
        Boolean enableBias,
        Boolean layerNormAffine,
        Boolean tieWordEmbeddings) {

    /** OPT's LayerNorms are built with torch's default eps; config.json has no key for it. */
    public static final float LAYER_NORM_EPS = 1e-5f;
    /** OPTLearnedPositionalEmbedding looks up row position + 2 (a fairseq leftover). */
    public static final int POSITION_OFFSET = 2;

    public OptConfig {
        if (maxPositions == null) {
            maxPositions = 2048;
        }
        if (activation == null) {
            activation = "relu";
        }
        if (doLayerNormBefore == null) {
            doLayerNormBefore = true;
        }
        if (removeFinalLayerNorm == null) {
            removeFinalLayerNorm = false;
        }
        if (wordEmbedProjDim == null) {
            wordEmbedProjDim = hiddenSize;
        }
        if (enableBias == null) {
            enableBias = true;
        }
        if (layerNormAffine == null) {
            layerNormAffine = true;
        }
        if (tieWordEmbeddings == null) {
            tieWordEmbeddings = true;
        }
        if (hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || vocabSize <= 0 || ffnDim <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("hidden_size, num_hidden_layers, num_attention_heads, vocab_size, "
                    + "ffn_dim and max_position_embeddings must be positive");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + numHeads);
        }
    }

    public int headSize() {
        return hiddenSize / numHeads;
    }

    /** Whether the decoder ends with {@code final_layer_norm} (pre-LN checkpoints, as OPTDecoder builds it). */
    public boolean hasFinalLayerNorm() {
        return doLayerNormBefore && !removeFinalLayerNorm;
    }

    public boolean hasProjections() {
        return wordEmbedProjDim != hiddenSize;
    }

    public static OptConfig from(JsonNode json, String where) {
        ConfigReader r = new ConfigReader(json, where);
        int vocab = r.required("vocab_size", 50272);
        int hidden = r.required(r.keyOf("hidden_size", "d_model"), 768);
        int layers = r.required("num_hidden_layers", 12);
        int heads = r.required("num_attention_heads", 12);
        int ffn = r.required("ffn_dim", 3072);
        return r.build("OPT", () -> new OptConfig(vocab, r.intOrNull("max_position_embeddings"), hidden, layers, heads,
                ffn, r.textOrNull("activation_function"), r.boolOrNull("do_layer_norm_before"),
                r.boolOrNull("_remove_final_layer_norm"), r.intOrNull("word_embed_proj_dim"),
                r.boolOrNull("enable_bias"), r.boolOrNull("layer_norm_elementwise_affine"),
                r.boolOrNull("tie_word_embeddings")));
    }
}
