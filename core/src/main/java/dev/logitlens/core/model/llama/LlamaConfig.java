package dev.logitlens.core.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.model.ConfigReader;

import java.util.ArrayList;
import java.util.List;

/**
 * The config.json of a Llama-family model ({@code llama}, {@code mistral}, {@code qwen2}, {@code qwen3}),
 * resolved with each model_type's Hugging Face defaults into the switches the forward pass needs.
 *
 * @param modelType      config.json model_type
 * @param headDim        Dh ({@code head_dim} when given, else hidden_size / num_attention_heads)
 * @param qkvBias        q/k/v projections have biases (Qwen2 always; Llama/Qwen3 {@code attention_bias})
 * @param outputBias     o_proj has a bias (Llama/Qwen3 {@code attention_bias}; never Qwen2/Mistral)
 * @param mlpBias        gate/up/down projections have biases (Llama {@code mlp_bias})
 * @param qkNorm         RMSNorm over Dh on every query and key head before the rotation (Qwen3)
 * @param slidingWindows per layer: the sliding window size, or 0 for full causal attention
 * @param ropeTheta      rotary base
 * @param rotaryDim      rotated dimensions per head (Dh · partial_rotary_factor)
 * @param ropeScaling    the rope_scaling / rope_parameters object, or null
 */
public record LlamaConfig(
        String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
        int numKvHeads, int headDim, String hiddenAct, int maxPositions, float rmsNormEps,
        boolean tieWordEmbeddings, boolean qkvBias, boolean outputBias, boolean mlpBias, boolean qkNorm,
        List<Integer> slidingWindows, double ropeTheta, int rotaryDim, JsonNode ropeScaling) {

    public LlamaConfig {
        slidingWindows = List.copyOf(slidingWindows);
    }

    /** Reads {@code json}; {@code where} names the file in error messages. */
    public static LlamaConfig from(JsonNode json, String where) {
        ConfigReader r = new ConfigReader(json, where);
        String type = json.path("model_type").asText();
        boolean qwen = type.equals("qwen2") || type.equals("qwen3");
        int vocab = r.intOr("vocab_size", switch (type) {
            case "qwen2", "qwen3" -> 151936;
            default -> 32000;
        });
        // hidden_size and the layer and head counts shape every tensor: absent, they are an error naming the
        // default transformers would silently use.
        int hidden = r.required("hidden_size", 4096);
        int inter = r.intOr("intermediate_size", switch (type) {
            case "mistral" -> 14336;
            case "qwen2", "qwen3" -> 22016;
            default -> 11008;
        });
        int layers = r.required("num_hidden_layers", 32);
        int heads = r.required("num_attention_heads", 32);
        // Mistral defaults to 8 key/value heads; the others to one per query head.
        int kvHeads = r.intOr("num_key_value_heads", type.equals("mistral") ? 8 : heads);
        int headDim = r.intOr("head_dim", type.equals("qwen3") ? 128 : divide(hidden, heads, where));
        int maxPos = r.intOr("max_position_embeddings", switch (type) {
            case "mistral" -> 4096 * 32;
            case "qwen2", "qwen3" -> 32768;
            default -> 2048;
        });
        float eps = (float) r.doubleOr("rms_norm_eps", 1e-6);
        String act = r.textOr("hidden_act", "silu");
        boolean tied = r.boolOr("tie_word_embeddings", false); // every one of these configs defaults to untied
        boolean attentionBias = r.boolOr("attention_bias", false);
        boolean qkvBias = switch (type) {
            case "qwen2" -> true;
            case "mistral" -> false;
            default -> attentionBias;
        };
        boolean outputBias = (type.equals("llama") || type.equals("qwen3")) && attentionBias;
        boolean mlpBias = type.equals("llama") && r.boolOr("mlp_bias", false);

        if (heads <= 0 || kvHeads <= 0 || layers <= 0 || hidden <= 0 || vocab <= 0 || headDim <= 0 || inter <= 0) {
            throw new CheckpointException(where + ": hidden_size, intermediate_size, num_hidden_layers, "
                    + "num_attention_heads, num_key_value_heads, head_dim and vocab_size must be positive");
        }
        if (heads % kvHeads != 0) {
            throw new CheckpointException(where + ": num_attention_heads " + heads + " is not a multiple of "
                    + "num_key_value_heads " + kvHeads + "; fix one of them to match the weights");
        }

        // Rotary: newer configs nest rope_theta and the scaling in rope_parameters.
        JsonNode params = json.get("rope_parameters");
        JsonNode scaling = json.get("rope_scaling");
        if (scaling == null || scaling.isNull()) {
            scaling = params != null && params.isObject() ? params : null;
        }
        double theta = params != null && params.has("rope_theta") ? params.get("rope_theta").asDouble()
                : r.doubleOr("rope_theta", 10000.0);
        double partial = params != null && params.has("partial_rotary_factor")
                ? params.get("partial_rotary_factor").asDouble() : r.doubleOr("partial_rotary_factor", 1.0);
        int rotaryDim = (int) (headDim * partial);

        return new LlamaConfig(type, vocab, hidden, inter, layers, heads, kvHeads, headDim, act, maxPos, eps, tied,
                qkvBias, outputBias, mlpBias, type.equals("qwen3"), windows(r, json, type, qwen, layers, where),
                theta, rotaryDim, scaling);
    }

    /**
     * Which layers slide, as Hugging Face decides: Mistral slides every layer when {@code sliding_window}
     * is set; Qwen2/Qwen3 only with {@code use_sliding_window}, on layers {@code i >= max_window_layers}
     * unless {@code layer_types} names them; Llama never.
     */
    private static List<Integer> windows(ConfigReader r, JsonNode json, String type, boolean qwen, int layers,
                                         String where) {
        // sliding_window absent means HF's default 4096; an explicit null means no window.
        JsonNode sw = json.get("sliding_window");
        boolean slides = type.equals("mistral") || (qwen && r.boolOr("use_sliding_window", false));
        int window = !slides || (sw != null && sw.isNull()) ? 0 : r.intOr("sliding_window", 4096);
        List<Integer> out = new ArrayList<>();
        JsonNode types = json.get("layer_types");
        if (qwen && types != null && !types.isNull()) {
            if (!types.isArray() || types.size() != layers) {
                throw new CheckpointException(where + ": layer_types must list one entry per layer (" + layers + ")");
            }
            for (JsonNode t : types) {
                switch (t.asText()) {
                    case "sliding_attention" -> out.add(window);
                    case "full_attention" -> out.add(0);
                    default -> throw new CheckpointException(where + ": layer_types entry '" + t.asText()
                            + "' is not sliding_attention or full_attention");
                }
            }
            return out;
        }
        int firstSliding = qwen ? r.intOr("max_window_layers", 28) : 0;
        for (int i = 0; i < layers; i++) {
            out.add(i >= firstSliding ? window : 0);
        }
        return out;
    }

    private static int divide(int hidden, int heads, String where) {
        if (heads <= 0 || hidden % heads != 0) {
            throw new CheckpointException(where + ": hidden_size " + hidden + " is not divisible by num_attention_heads "
                    + heads + "; set head_dim explicitly");
        }
        return hidden / heads;
    }
}
