package dev.logitlens.core.synth;

import dev.logitlens.core.checkpoint.ConfigWriter;
import dev.logitlens.core.checkpoint.TensorDtype;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a Gemma / Gemma 2 / Gemma 3 text model directory with random weights (tests and benchmarks). */
public final class RandomGemma {
    /**
     * @param modelType "gemma", "gemma2" or "gemma3_text": decides which norms exist (Gemma 2/3 post-norms,
     *                  Gemma 3 q/k norms)
     * @param prefix    "model." (as the causal-LM classes save), "" or "language_model.model." (Gemma 3 saved
     *                  from the multimodal model)
     * @param tied      false writes a separate lm_head.weight and tie_word_embeddings: false
     * @param config    further config.json keys (sliding_window, soft-caps, rope thetas, layer pattern, ...);
     *                  {@code "attention_bias": true} also writes q/k/v/o biases
     */
    public record Spec(String modelType, int layers, int hidden, int heads, int kvHeads, int headDim, int intermediate,
                       int vocab, TensorDtype dtype, String prefix, boolean tied, int shards, long seed,
                       Map<String, Object> config) {}

    /** Where Gemma3ForConditionalGeneration saves the text tower: older and newer transformers. */
    private static final String OLD_PREFIX = "language_model.model.";
    private static final String NEW_PREFIX = "model.language_model.";

    private RandomGemma() {}

    /** Writes config.json and the weights (not the tokenizer); returns the weights by name, prefix stripped. */
    public static Map<String, float[]> write(Path dir, Spec s) throws IOException {
        return write(dir, s, false);
    }

    /**
     * Writes a Gemma 3 checkpoint as {@code Gemma3ForConditionalGeneration} saves it: config.json with
     * {@code model_type: gemma3}, the text config under {@code text_config} (keys at their Gemma3TextConfig default
     * left out, as on the hub) and a small vision_config; the same text weights as {@link #write} with the same spec
     * (under {@code s.prefix()}, an untied head as {@code language_model.lm_head.weight} or, with the newer
     * {@code model.language_model.} prefix, {@code lm_head.weight}); plus a few vision tower and projector tensors
     * that a text-only forward pass never reads. Returns the text weights by name, prefix stripped, the head as
     * {@code lm_head.weight}.
     */
    public static Map<String, float[]> writeMultimodal(Path dir, Spec s) throws IOException {
        if (!s.modelType().equals("gemma3_text")
                || !(s.prefix().equals(OLD_PREFIX) || s.prefix().equals(NEW_PREFIX))) {
            throw new IllegalArgumentException("a multimodal Gemma 3 checkpoint needs modelType gemma3_text and prefix "
                    + OLD_PREFIX + " or " + NEW_PREFIX + ", got " + s.modelType() + " / " + s.prefix());
        }
        return write(dir, s, true);
    }

    private static Map<String, float[]> write(Path dir, Spec s, boolean multimodal) throws IOException {
        boolean v1 = s.modelType().equals("gemma");
        boolean v3 = s.modelType().equals("gemma3_text");
        if (!v1 && !v3 && !s.modelType().equals("gemma2")) {
            throw new IllegalArgumentException("modelType must be gemma, gemma2 or gemma3_text, got " + s.modelType());
        }
        boolean bias = Boolean.TRUE.equals(s.config().get("attention_bias"));
        SyntheticCheckpoint ck = new SyntheticCheckpoint(s.seed(), s.dtype());
        long d = s.hidden();
        long q = (long) s.heads() * s.headDim();
        long kv = (long) s.kvHeads() * s.headDim();
        long inter = s.intermediate();
        String p = s.prefix();
        double std = 0.2;   // large enough that the layers differ visibly in the lens
        double norm = 0.1;  // RMSNorm weights are stored as w - 1, so they scatter around 0
        ck.normal(p + "embed_tokens.weight", 0, std, s.vocab(), d);
        for (int i = 0; i < s.layers(); i++) {
            String b = p + "layers." + i + ".";
            String a = b + "self_attn.";
            ck.normal(b + "input_layernorm.weight", 0, norm, d);
            ck.normal(a + "q_proj.weight", 0, std, q, d);
            ck.normal(a + "k_proj.weight", 0, std, kv, d);
            ck.normal(a + "v_proj.weight", 0, std, kv, d);
            ck.normal(a + "o_proj.weight", 0, std, d, q);
            if (bias) {
                ck.normal(a + "q_proj.bias", 0, norm, q);
                ck.normal(a + "k_proj.bias", 0, norm, kv);
                ck.normal(a + "v_proj.bias", 0, norm, kv);
                ck.normal(a + "o_proj.bias", 0, norm, d);
            }
            if (v3) {
                ck.normal(a + "q_norm.weight", 0, norm, s.headDim());
                ck.normal(a + "k_norm.weight", 0, norm, s.headDim());
            }
            ck.normal(b + "post_attention_layernorm.weight", 0, norm, d);
            if (!v1) {
                ck.normal(b + "pre_feedforward_layernorm.weight", 0, norm, d);
                ck.normal(b + "post_feedforward_layernorm.weight", 0, norm, d);
            }
            ck.normal(b + "mlp.gate_proj.weight", 0, std, inter, d);
            ck.normal(b + "mlp.up_proj.weight", 0, std, inter, d);
            ck.normal(b + "mlp.down_proj.weight", 0, std, d, inter);
        }
        ck.normal(p + "norm.weight", 0, norm, d);
        String head = multimodal && p.equals(OLD_PREFIX) ? "language_model.lm_head.weight" : "lm_head.weight";
        if (!s.tied()) {
            ck.normal(head, 0, std, s.vocab(), d);
        }
        if (multimodal) {
            // Drawn after the text weights, so those equal write()'s. The q_proj name ends like a text tensor's.
            String outer = p.equals(NEW_PREFIX) ? "model." : "";
            ck.normal(outer + "vision_tower.vision_model.embeddings.patch_embedding.weight", 0, std, 8, 3, 2, 2);
            ck.normal(outer + "vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight", 0, std, 8, 8);
            ck.normal(outer + "multi_modal_projector.mm_input_projection_weight", 0, std, 8, d);
        }
        ck.writeWeights(dir, s.shards());

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_type", s.modelType());
        config.put("architectures", List.of(v1 ? "GemmaForCausalLM" : v3 ? "Gemma3ForCausalLM" : "Gemma2ForCausalLM"));
        config.put("vocab_size", s.vocab());
        config.put("hidden_size", s.hidden());
        config.put("intermediate_size", s.intermediate());
        config.put("num_hidden_layers", s.layers());
        config.put("num_attention_heads", s.heads());
        config.put("num_key_value_heads", s.kvHeads());
        config.put("head_dim", s.headDim());
        config.put("max_position_embeddings", 64);
        config.put("rms_norm_eps", 1e-6);
        config.put("tie_word_embeddings", s.tied());
        if (v1) {
            config.put("hidden_act", "gelu"); // as Gemma 1's hub configs say; Hugging Face runs the tanh GELU anyway
        } else {
            config.put("hidden_activation", "gelu_pytorch_tanh");
        }
        config.putAll(s.config());
        if (multimodal) {
            config = wrapMultimodal(config);
        }
        ConfigWriter.write(dir, config);
        Map<String, float[]> out = new LinkedHashMap<>();
        ck.tensors().forEach((k, v) -> {
            if (k.equals(head)) {
                out.put("lm_head.weight", v);
            } else if (k.startsWith(p)) { // leaves out the vision tensors
                out.put(k.substring(p.length()), v);
            }
        });
        return out;
    }

    /** Nests a gemma3_text config under text_config, leaving out what equals Gemma3TextConfig's defaults. */
    private static Map<String, Object> wrapMultimodal(Map<String, Object> textConfig) {
        Map<String, Object> text = new LinkedHashMap<>(textConfig);
        text.remove("architectures");
        text.remove("rms_norm_eps", 1e-6);
        text.remove("hidden_activation", "gelu_pytorch_tanh");
        text.remove("tie_word_embeddings", true);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_type", "gemma3");
        config.put("architectures", List.of("Gemma3ForConditionalGeneration"));
        config.put("image_token_index", 262_144);
        config.put("mm_tokens_per_image", 4);
        config.put("text_config", text);
        config.put("vision_config", Map.of("model_type", "siglip_vision_model", "hidden_size", 8,
                "num_hidden_layers", 1, "patch_size", 2, "image_size", 4));
        return config;
    }
}
