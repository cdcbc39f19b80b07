package dev.logitlens.core.model.gptj;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.model.ConfigReader;

/**
 * GPT-J's config.json ({@code GPTJConfig}), with Hugging Face's defaults for absent keys.
 *
 * @param rotaryDim dims of each head that rotate (interleaved pairs), the rest pass through
 */
public record GptJConfig(
        int vocabSize,
        Integer maxPositions,
        int hiddenSize,
        int numLayers,
        int numHeads,
        Integer rotaryDim,
        Integer innerSize,
        String activation,
        Float layerNormEps,
        Boolean tieWordEmbeddings) {

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

    public static GptJConfig from(JsonNode json, String where) {
        // rotary_dim: null makes GPTJAttention rotate with embed_dim-wide sinusoids, which only runs for one head.
        if (json.has("rotary_dim") && json.get("rotary_dim").isNull()) {
            throw new CheckpointException(where + ": rotary_dim is null; set it to the number of rotated dims per "
                    + "head (gpt-j-6b: 64)");
        }
        ConfigReader r = new ConfigReader(json, where);
        // GPTJConfig's attribute_map also accepts the common names (hidden_size, ...).
        int vocab = r.required("vocab_size", 50400);
        int hidden = r.required(r.keyOf("n_embd", "hidden_size"), 4096);
        int layers = r.required(r.keyOf("n_layer", "num_hidden_layers"), 28);
        int heads = r.required(r.keyOf("n_head", "num_attention_heads"), 16);
        return r.build("GPT-J", () -> new GptJConfig(vocab, r.intOrNull(r.keyOf("n_positions",
                "max_position_embeddings")), hidden, layers, heads, r.intOrNull("rotary_dim"), r.intOrNull("n_inner"),
                r.textOrNull("activation_function"), r.floatOrNull("layer_norm_epsilon"),
                r.boolOrNull("tie_word_embeddings")));
    }
}
