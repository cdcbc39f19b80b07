package dev.logitlens.core.model.gpt2;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** GPT-2's config.json, with Hugging Face's defaults for absent keys. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Gpt2Config(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("n_positions") int maxPositions,
        @JsonProperty("n_embd") int hiddenSize,
        @JsonProperty("n_layer") int numLayers,
        @JsonProperty("n_head") int numHeads,
        @JsonProperty("n_inner") Integer innerSize,
        @JsonProperty("activation_function") String activation,
        @JsonProperty("layer_norm_epsilon") Float layerNormEps,
        @JsonProperty("scale_attn_weights") Boolean scaleAttnWeights,
        @JsonProperty("scale_attn_by_inverse_layer_idx") Boolean scaleByInverseLayerIdx,
        @JsonProperty("tie_word_embeddings") Boolean tieWordEmbeddings) {

    public Gpt2Config {
        if (innerSize == null) {
            innerSize = 4 * hiddenSize;
        }
        if (activation == null) {
            activation = "gelu_new";
        }
        if (layerNormEps == null) {
            layerNormEps = 1e-5f;
        }
        if (scaleAttnWeights == null) {
            scaleAttnWeights = true;
        }
        if (scaleByInverseLayerIdx == null) {
            scaleByInverseLayerIdx = false;
        }
        if (tieWordEmbeddings == null) {
            tieWordEmbeddings = true;
        }
        if (hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || vocabSize <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("n_embd, n_layer, n_head, vocab_size and n_positions must be positive");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("n_embd " + hiddenSize + " is not divisible by n_head " + numHeads);
        }
    }

    public int headSize() {
        return hiddenSize / numHeads;
    }
}
