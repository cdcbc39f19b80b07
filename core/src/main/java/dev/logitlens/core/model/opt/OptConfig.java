package dev.logitlens.core.model.opt;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.model.ConfigReader;
import dev.logitlens.core.model.FamilySupport;

/**
 * OPT's config.json ({@code OPTConfig}), with Hugging Face's defaults for absent keys.
 *
 * @param wordEmbedProjDim P, the width of the token embedding and of the unembedding; when it differs from
 *                         D the model has {@code project_in} [D, P] and {@code project_out} [P, D]
 * @param doLayerNormBefore true: pre-LN blocks and a final LayerNorm (most sizes); false: post-LN blocks
 *                          and no final LayerNorm (opt-350m)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record OptConfig(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("max_position_embeddings") Integer maxPositions,
        @JsonProperty("hidden_size") @JsonAlias("d_model") int hiddenSize,
        @JsonProperty("num_hidden_layers") int numLayers,
        @JsonProperty("num_attention_heads") int numHeads,
        @JsonProperty("ffn_dim") int ffnDim,
        @JsonProperty("activation_function") String activation,
        @JsonProperty("do_layer_norm_before") Boolean doLayerNormBefore,
        @JsonProperty("_remove_final_layer_norm") Boolean removeFinalLayerNorm,
        @JsonProperty("word_embed_proj_dim") Integer wordEmbedProjDim,
        @JsonProperty("enable_bias") Boolean enableBias,
        @JsonProperty("layer_norm_elementwise_affine") Boolean layerNormAffine,
        @JsonProperty("tie_word_embeddings") Boolean tieWordEmbeddings) {

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

    static OptConfig from(JsonNode json, String where) {
        return FamilySupport.parse(json, OptConfig.class, where, "OPT", new ConfigReader.Size("hidden_size", 768),
                new ConfigReader.Size("num_hidden_layers", 12), new ConfigReader.Size("num_attention_heads", 12));
    }
}
