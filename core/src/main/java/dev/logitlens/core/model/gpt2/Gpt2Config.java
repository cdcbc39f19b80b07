package dev.logitlens.core.model.gpt2;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.model.ConfigReader;


/**
 * GPT-2's config.json ({@code GPT2Config}), with Hugging Face's defaults for absent keys (null components
 * take them here, so a config built in code gets them too).
 */
public record Gpt2Config(
        int vocabSize,
        int maxPositions,
        int hiddenSize,
        int numLayers,
        int numHeads,
        Integer innerSize,
        String activation,
        Float layerNormEps,
        Boolean scaleAttnWeights,
        Boolean scaleByInverseLayerIdx,
        Boolean tieWordEmbeddings) {

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

    /** Reads {@code json}; {@code where} names the file in errors. */
    public static Gpt2Config from(JsonNode json, String where) {
        ConfigReader r = new ConfigReader(json, where);
        // The sizes shape every tensor: absent, they are an error naming the default transformers would use.
        int vocab = r.required("vocab_size", 50257);
        int positions = r.required("n_positions", 1024);
        int hidden = r.required("n_embd", 768);
        int layers = r.required("n_layer", 12);
        int heads = r.required("n_head", 12);
        return r.build("GPT-2", () -> new Gpt2Config(vocab, positions, hidden, layers, heads, r.intOrNull("n_inner"),
                r.textOrNull("activation_function"), r.floatOrNull("layer_norm_epsilon"),
                r.boolOrNull("scale_attn_weights"), r.boolOrNull("scale_attn_by_inverse_layer_idx"),
                r.boolOrNull("tie_word_embeddings")));
    }
}
