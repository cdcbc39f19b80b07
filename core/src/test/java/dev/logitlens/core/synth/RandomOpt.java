package dev.logitlens.core.synth;

import dev.logitlens.core.checkpoint.ConfigWriter;
import dev.logitlens.core.checkpoint.TensorDtype;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes an OPT model directory with random weights (tests and benchmarks). */
public final class RandomOpt {
    /**
     * @param projDim   word_embed_proj_dim; != hidden writes project_in / project_out
     * @param preLn     do_layer_norm_before (false: post-LN, no final LayerNorm, as opt-350m)
     * @param prefix    "model.decoder." (OPTForCausalLM) or "decoder." (OPTModel, as the hub's files)
     * @param tied      false writes a separate lm_head.weight and tie_word_embeddings: false
     */
    public record Spec(int layers, int hidden, int heads, int ffn, int vocab, int positions, int projDim,
                       boolean preLn, TensorDtype dtype, String prefix, boolean tied, int shards, long seed) {}

    private RandomOpt() {}

    /** Writes config.json and the weights (not the tokenizer); returns the weights by name, prefix stripped. */
    public static Map<String, float[]> write(Path dir, Spec s) throws IOException {
        SyntheticCheckpoint ck = new SyntheticCheckpoint(s.seed(), s.dtype());
        long d = s.hidden();
        long p = s.projDim();
        String pre = s.prefix();
        double std = 0.2; // larger than OPT's init so layers differ visibly in the lens
        ck.normal(pre + "embed_tokens.weight", 0, std, s.vocab(), p);
        ck.normal(pre + "embed_positions.weight", 0, std, s.positions() + 2L, d);
        if (p != d) {
            ck.normal(pre + "project_in.weight", 0, 1 / Math.sqrt(p), d, p);
            ck.normal(pre + "project_out.weight", 0, 1 / Math.sqrt(d), p, d);
        }
        for (int i = 0; i < s.layers(); i++) {
            String b = pre + "layers." + i + ".";
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                ck.normal(b + "self_attn." + proj + ".weight", 0, std, d, d);
                ck.normal(b + "self_attn." + proj + ".bias", 0, 0.1, d);
            }
            ck.normal(b + "self_attn_layer_norm.weight", 1, 0.1, d);
            ck.normal(b + "self_attn_layer_norm.bias", 0, 0.1, d);
            ck.normal(b + "fc1.weight", 0, std, s.ffn(), d);
            ck.normal(b + "fc1.bias", 0, 0.1, s.ffn());
            ck.normal(b + "fc2.weight", 0, std, d, s.ffn());
            ck.normal(b + "fc2.bias", 0, 0.1, d);
            ck.normal(b + "final_layer_norm.weight", 1, 0.1, d);
            ck.normal(b + "final_layer_norm.bias", 0, 0.1, d);
        }
        if (s.preLn()) {
            ck.normal(pre + "final_layer_norm.weight", 1, 0.1, d);
            ck.normal(pre + "final_layer_norm.bias", 0, 0.1, d);
        }
        if (!s.tied()) {
            ck.normal("lm_head.weight", 0, std, s.vocab(), p);
        }
        ck.writeWeights(dir, s.shards());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_type", "opt");
        config.put("architectures", List.of("OPTForCausalLM"));
        config.put("vocab_size", s.vocab());
        config.put("max_position_embeddings", s.positions());
        config.put("hidden_size", s.hidden());
        config.put("word_embed_proj_dim", s.projDim());
        config.put("num_hidden_layers", s.layers());
        config.put("num_attention_heads", s.heads());
        config.put("ffn_dim", s.ffn());
        config.put("activation_function", "relu");
        config.put("do_layer_norm_before", s.preLn());
        config.put("enable_bias", true);
        config.put("tie_word_embeddings", s.tied());
        ConfigWriter.write(dir, config);
        return ck.tensorsWithout(pre);
    }
}
