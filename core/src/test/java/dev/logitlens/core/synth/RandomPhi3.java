package dev.logitlens.core.synth;

import dev.logitlens.core.checkpoint.ConfigWriter;
import dev.logitlens.core.checkpoint.TensorDtype;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a Phi-3 model directory with random weights (tests and benchmarks). */
public final class RandomPhi3 {
    /**
     * @param kvHeads        num_key_value_heads (fewer than heads: GQA)
     * @param partialRotary  partial_rotary_factor (1.0 = the whole head rotates)
     * @param slidingWindow  sliding_window, or 0 to write null
     * @param prefix         "model." (as Phi3ForCausalLM saves them) or ""
     * @param tied           true writes no lm_head.weight and tie_word_embeddings: true
     */
    public record Spec(int layers, int hidden, int heads, int kvHeads, int intermediate, int vocab,
                       double partialRotary, int slidingWindow, TensorDtype dtype, String prefix, boolean tied,
                       int shards, long seed) {}

    private RandomPhi3() {}

    /** Writes config.json and the weights (not the tokenizer); returns the weights by name, prefix stripped. */
    public static Map<String, float[]> write(Path dir, Spec s) throws IOException {
        SyntheticCheckpoint ck = new SyntheticCheckpoint(s.seed(), s.dtype());
        long d = s.hidden();
        long dh = d / s.heads();
        long inner = s.intermediate();
        String p = s.prefix();
        double std = 0.2; // larger than the usual init so layers differ visibly in the lens
        ck.normal(p + "embed_tokens.weight", 0, std, s.vocab(), d);
        for (int i = 0; i < s.layers(); i++) {
            String b = p + "layers." + i + ".";
            ck.normal(b + "input_layernorm.weight", 1, 0.1, d);
            ck.normal(b + "self_attn.qkv_proj.weight", 0, std, (s.heads() + 2L * s.kvHeads()) * dh, d);
            ck.normal(b + "self_attn.o_proj.weight", 0, std, d, s.heads() * dh);
            ck.normal(b + "post_attention_layernorm.weight", 1, 0.1, d);
            ck.normal(b + "mlp.gate_up_proj.weight", 0, std, 2 * inner, d);
            ck.normal(b + "mlp.down_proj.weight", 0, std, d, inner);
        }
        ck.normal(p + "norm.weight", 1, 0.1, d);
        if (!s.tied()) {
            ck.normal("lm_head.weight", 0, std, s.vocab(), d);
        }
        ck.writeWeights(dir, s.shards());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_type", "phi3");
        config.put("architectures", List.of("Phi3ForCausalLM"));
        config.put("vocab_size", s.vocab());
        config.put("hidden_size", s.hidden());
        config.put("intermediate_size", s.intermediate());
        config.put("num_hidden_layers", s.layers());
        config.put("num_attention_heads", s.heads());
        config.put("num_key_value_heads", s.kvHeads());
        config.put("hidden_act", "silu");
        config.put("max_position_embeddings", 64);
        config.put("original_max_position_embeddings", 64);
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 10000.0);
        config.put("rope_scaling", null);
        config.put("partial_rotary_factor", s.partialRotary());
        config.put("sliding_window", s.slidingWindow() > 0 ? s.slidingWindow() : null);
        config.put("tie_word_embeddings", s.tied());
        ConfigWriter.write(dir, config);
        return ck.tensorsWithout(p);
    }
}
