package dev.logitlens.core.synth;

import dev.logitlens.core.checkpoint.ConfigWriter;
import dev.logitlens.core.checkpoint.TensorDtype;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a Llama-family model directory ({@code llama}, {@code mistral}, {@code qwen2}, {@code qwen3}) with random weights. */
public final class RandomLlama {
    /**
     * @param modelType llama, mistral, qwen2 or qwen3; decides the architecture and which tensors exist
     *                  (Qwen2: q/k/v biases; Qwen3: q/k norms; Llama/Qwen3 {@code attention_bias} and
     *                  Llama {@code mlp_bias} in {@code extraConfig}: the biases they switch on)
     * @param headDim   written as {@code head_dim} (may differ from hidden / heads)
     * @param prefix    "" (base model names) or "model." (as the ForCausalLM classes save them)
     * @param tied      false writes a separate lm_head.weight and tie_word_embeddings: false
     * @param extraConfig further config.json keys (rope_scaling, sliding_window, use_sliding_window, ...)
     */
    public record Spec(String modelType, int layers, int hidden, int heads, int kvHeads, int headDim, int intermediate,
                       int vocab, int positions, TensorDtype dtype, String prefix, boolean tied, int shards, long seed,
                       Map<String, Object> extraConfig) {
        public Spec {
            extraConfig = Map.copyOf(extraConfig);
        }
    }

    private RandomLlama() {}

    /** Writes config.json and the weights (not the tokenizer); returns the weights by name, prefix stripped. */
    public static Map<String, float[]> write(Path dir, Spec s) throws IOException {
        SyntheticCheckpoint ck = new SyntheticCheckpoint(s.seed(), s.dtype());
        String type = s.modelType();
        boolean attentionBias = Boolean.TRUE.equals(s.extraConfig().get("attention_bias"));
        boolean qkvBias = type.equals("qwen2") || (!type.equals("mistral") && attentionBias);
        boolean oBias = (type.equals("llama") || type.equals("qwen3")) && attentionBias;
        boolean mlpBias = type.equals("llama") && Boolean.TRUE.equals(s.extraConfig().get("mlp_bias"));
        long d = s.hidden();
        long q = (long) s.heads() * s.headDim();
        long kv = (long) s.kvHeads() * s.headDim();
        long inter = s.intermediate();
        String p = s.prefix();
        double std = 0.2; // large enough that layers differ visibly in the lens
        ck.normal(p + "embed_tokens.weight", 0, 1.0, s.vocab(), d);
        for (int i = 0; i < s.layers(); i++) {
            String b = p + "layers." + i + ".";
            ck.normal(b + "input_layernorm.weight", 1, 0.1, d);
            linear(ck, b + "self_attn.q_proj", q, d, qkvBias, std);
            linear(ck, b + "self_attn.k_proj", kv, d, qkvBias, std);
            linear(ck, b + "self_attn.v_proj", kv, d, qkvBias, std);
            linear(ck, b + "self_attn.o_proj", d, q, oBias, std);
            if (type.equals("qwen3")) {
                ck.normal(b + "self_attn.q_norm.weight", 1, 0.1, s.headDim());
                ck.normal(b + "self_attn.k_norm.weight", 1, 0.1, s.headDim());
            }
            ck.normal(b + "post_attention_layernorm.weight", 1, 0.1, d);
            linear(ck, b + "mlp.gate_proj", inter, d, mlpBias, std);
            linear(ck, b + "mlp.up_proj", inter, d, mlpBias, std);
            linear(ck, b + "mlp.down_proj", d, inter, mlpBias, std);
        }
        ck.normal(p + "norm.weight", 1, 0.1, d);
        if (!s.tied()) {
            ck.normal("lm_head.weight", 0, std, s.vocab(), d);
        }
        ck.writeWeights(dir, s.shards());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_type", type);
        config.put("architectures", List.of(switch (type) {
            case "mistral" -> "MistralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            case "qwen3" -> "Qwen3ForCausalLM";
            default -> "LlamaForCausalLM";
        }));
        config.put("vocab_size", s.vocab());
        config.put("hidden_size", s.hidden());
        config.put("intermediate_size", s.intermediate());
        config.put("num_hidden_layers", s.layers());
        config.put("num_attention_heads", s.heads());
        config.put("num_key_value_heads", s.kvHeads());
        config.put("head_dim", s.headDim());
        config.put("max_position_embeddings", s.positions());
        config.put("rms_norm_eps", 1e-6);
        config.put("rope_theta", 10000.0);
        config.put("hidden_act", "silu");
        config.put("tie_word_embeddings", s.tied());
        config.putAll(s.extraConfig());
        ConfigWriter.write(dir, config);
        return ck.tensorsWithout(p);
    }

    private static void linear(SyntheticCheckpoint ck, String name, long out, long in, boolean bias, double std) {
        ck.normal(name + ".weight", 0, std, out, in);
        if (bias) {
            ck.normal(name + ".bias", 0, 0.1, out);
        }
    }
}
