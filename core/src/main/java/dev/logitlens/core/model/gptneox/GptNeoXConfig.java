package dev.logitlens.core.model.gptneox;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.model.ConfigReader;
import dev.logitlens.core.model.FamilySupport;

/**
 * GPT-NeoX's config.json ({@code GPTNeoXConfig}, Pythia), with Hugging Face's defaults for absent keys.
 * Newer transformers save the rotary settings inside {@code rope_parameters} ({@code rope_theta},
 * {@code partial_rotary_factor}); older ones as {@code rotary_emb_base} / {@code rope_theta} and {@code rotary_pct}.
 *
 * @param ropeScaling the {@code rope_scaling} (or {@code rope_parameters}) object, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record GptNeoXConfig(
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("hidden_size") int hiddenSize,
        @JsonProperty("num_hidden_layers") int numLayers,
        @JsonProperty("num_attention_heads") int numHeads,
        @JsonProperty("intermediate_size") int intermediateSize,
        @JsonProperty("hidden_act") String activation,
        @JsonProperty("max_position_embeddings") Integer maxPositions,
        @JsonProperty("layer_norm_eps") Float layerNormEps,
        @JsonProperty("use_parallel_residual") Boolean parallelResidual,
        @JsonProperty("rotary_pct") Double rotaryPct,
        @JsonProperty("rotary_emb_base") Double rotaryEmbBase,
        @JsonProperty("rope_theta") Double ropeTheta,
        @JsonProperty("rope_scaling") JsonNode ropeScaling,
        @JsonProperty("rope_parameters") JsonNode ropeParameters,
        @JsonProperty("attention_bias") Boolean attentionBias,
        @JsonProperty("tie_word_embeddings") Boolean tieWordEmbeddings) {

    public GptNeoXConfig {
        if (activation == null) {
            activation = "gelu";
        }
        if (maxPositions == null) {
            maxPositions = 2048;
        }
        if (layerNormEps == null) {
            layerNormEps = 1e-5f;
        }
        if (parallelResidual == null) {
            parallelResidual = true;
        }
        if (attentionBias == null) {
            attentionBias = true;
        }
        if (tieWordEmbeddings == null) {
            tieWordEmbeddings = false;
        }
        if (ropeScaling != null && ropeScaling.isNull()) {
            ropeScaling = null;
        }
        if (ropeParameters != null && !ropeParameters.isObject()) {
            ropeParameters = null;
        }
        if (hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || vocabSize <= 0 || intermediateSize <= 0) {
            throw new IllegalArgumentException("hidden_size, num_hidden_layers, num_attention_heads, vocab_size and "
                    + "intermediate_size must be positive");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
                    + numHeads);
        }
    }

    public int headSize() {
        return hiddenSize / numHeads;
    }

    /** rotary_ndims = int(head_size · rotary_pct), as GPTNeoXAttention truncates it. */
    public int rotaryDim() {
        double pct = rotaryPct != null ? rotaryPct
                : ropeParameters != null && ropeParameters.has("partial_rotary_factor")
                ? ropeParameters.get("partial_rotary_factor").asDouble() : 0.25;
        return (int) (headSize() * pct);
    }

    public double theta() {
        if (ropeParameters != null && ropeParameters.has("rope_theta")) {
            return ropeParameters.get("rope_theta").asDouble();
        }
        return ropeTheta != null ? ropeTheta : rotaryEmbBase != null ? rotaryEmbBase : 10000.0;
    }

    /** The scaling object {@link dev.logitlens.core.model.Rope} reads: rope_scaling, else rope_parameters. */
    public JsonNode scaling() {
        return ropeScaling != null ? ropeScaling : ropeParameters;
    }

    static GptNeoXConfig from(JsonNode json, String where) {
        return FamilySupport.parse(json, GptNeoXConfig.class, where, "GPT-NeoX",
                new ConfigReader.Size("hidden_size", 6144), new ConfigReader.Size("num_hidden_layers", 44),
                new ConfigReader.Size("num_attention_heads", 64));
    }
}
