package dev.logitlens.core.model.gptj;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.model.ConfigReader;
import dev.logitlens.core.model.FamilySupport;

/**
 * GPT-J's config.json ({@code GPTJConfig}), with Hugging Face's defaults for absent keys.
 *
 * @param rotaryDim dims of each head that rotate (interleaved pairs), the rest pass through
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GptJConfig(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("n_positions") @JsonAlias("max_position_embeddings") Integer maxPositions,
        @JsonProperty("n_embd") @JsonAlias("hidden_size") int hiddenSize,
        @JsonProperty("n_layer") @JsonAlias("num_hidden_layers") int numLayers,
        @JsonProperty("n_head") @JsonAlias("num_attention_heads") int numHeads,
        @JsonProperty("rotary_dim") Integer rotaryDim,
        @JsonProperty("n_inner") Integer innerSize,
        @JsonProperty("activation_function") String activation,
        @JsonProperty("layer_norm_epsilon") Float layerNormEps,
        @JsonProperty("tie_word_embeddings") Boolean tieWordEmbeddings) {

    /** GPT-J's sinusoids are built with a fixed base; config.json has no key for it. */
    public static final double ROTARY_BASE = 10000.0;

    public GptJConfig {
        if (maxPositions == null) {
            maxPositions = 2048;
        }
        if (rotaryDim == null) {
            rotaryDim = 64;
        }
        if (innerSize == null) {
            innerSize = 4 * hiddenSize;
        }
        if (activation == null) {
            activation = "gelu_new";
        }
        if (layerNormEps == null) {
            layerNormEps = 1e-5f;
        }
        if (tieWordEmbeddings == null) {
            tieWordEmbeddings = false;
        }
        if (hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || vocabSize <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("n_embd, n_layer, n_head, vocab_size and n_positions must be positive");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("n_embd " + hiddenSize + " is not divisible by n_head " + numHeads);
        }
        if (rotaryDim <= 0 || rotaryDim % 2 != 0 || rotaryDim > hiddenSize / numHeads) {
            throw new IllegalArgumentException("rotary_dim " + rotaryDim + " must be a positive even number no larger "
                    + "than the head size " + hiddenSize / numHeads);
        }
    }

    public int headSize() {
        return hiddenSize / numHeads;
    }

    static GptJConfig from(JsonNode json, String where) {
        // rotary_dim: null makes GPTJAttention rotate with embed_dim-wide sinusoids, which only runs for one head.
        if (json.has("rotary_dim") && json.get("rotary_dim").isNull()) {
            throw new CheckpointException(where + ": rotary_dim is null; set it to the number of rotated dims per "
                    + "head (gpt-j-6b: 64)");
        }
        return FamilySupport.parse(json, GptJConfig.class, where, "GPT-J", new ConfigReader.Size("n_embd", 4096),
                new ConfigReader.Size("n_layer", 28), new ConfigReader.Size("n_head", 16));
    }
}
