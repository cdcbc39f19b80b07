package dev.logitlens.core.model.gptneox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.model.ConfigReader;

/**
 * GPT-NeoX's config.json ({@code GPTNeoXConfig}, Pythia), with Hugging Face's defaults for absent keys.
 * Newer transformers save the rotary settings inside {@code rope_parameters} ({@code rope_theta},
 * {@code partial_rotary_factor}); older ones as {@code rotary_emb_base} / {@code rope_theta} and {@code rotary_pct}.
 *
 * @param ropeScaling the {@code rope_scaling} (or {@code rope_parameters}) object, or null
 */
public record GptNeoXConfig(
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        String activation,
        Integer maxPositions,
        Float layerNormEps,
        Boolean parallelResidual,
        Double rotaryPct,
        Double rotaryEmbBase,
        Double ropeTheta,
        JsonNode ropeScaling,
        JsonNode ropeParameters,
        Boolean attentionBias,
        Boolean tieWordEmbeddings) {

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

    public static GptNeoXConfig from(JsonNode json, String where) {
        ConfigReader r = new ConfigReader(json, where);
        int vocab = r.required("vocab_size", 50432);
        int hidden = r.required("hidden_size", 6144);
        int layers = r.required("num_hidden_layers", 44);
        int heads = r.required("num_attention_heads", 64);
        int inter = r.required("intermediate_size", 24576);
        return r.build("GPT-NeoX", () -> new GptNeoXConfig(vocab, hidden, layers, heads, inter,
                r.textOrNull("hidden_act"), r.intOrNull("max_position_embeddings"), r.floatOrNull("layer_norm_eps"),
                r.boolOrNull("use_parallel_residual"), r.doubleOrNull("rotary_pct"), r.doubleOrNull("rotary_emb_base"),
                r.doubleOrNull("rope_theta"), json.get("rope_scaling"), json.get("rope_parameters"),
                r.boolOrNull("attention_bias"), r.boolOrNull("tie_word_embeddings")));
    }
}
