package dev.logitlens.core.synth;

import dev.logitlens.core.checkpoint.ConfigWriter;
import dev.logitlens.core.checkpoint.TensorDtype;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a GPT-NeoX (Pythia) model directory with random weights (tests and benchmarks). */
public final class RandomGptNeoX {
    /**
     * @param rotaryPct share of each head's dims that rotate (Pythia: 0.25)
     * @param parallel  use_parallel_residual
     * @param prefix    "gpt_neox." (as GPTNeoXForCausalLM saves them) or ""
     * @param tied      true writes no embed_out.weight and tie_word_embeddings: true
     */
    public record Spec(int layers, int hidden, int heads, int intermediate, int vocab, double rotaryPct,
                       boolean parallel, TensorDtype dtype, String prefix, boolean tied, int shards, long seed) {}

    private RandomGptNeoX() {}

    /** Writes config.json and the weights (not the tokenizer); returns the weights by name, prefix stripped. */
    public static Map<String, float[]> write(Path dir, Spec s) throws IOException {
        SyntheticCheckpoint ck = new SyntheticCheckpoint(s.seed(), s.dtype());
        long d = s.hidden();
        long inner = s.intermediate();
        String p = s.prefix();
        double std = 0.2; // larger than the usual init so layers differ visibly in the lens
        ck.normal(p + "embed_in.weight", 0, std, s.vocab(), d);
        for (int i = 0; i < s.layers(); i++) {
            String b = p + "layers." + i + ".";
            ck.normal(b + "input_layernorm.weight", 1, 0.1, d);
            ck.normal(b + "input_layernorm.bias", 0, 0.1, d);
            ck.normal(b + "post_attention_layernorm.weight", 1, 0.1, d);
            ck.normal(b + "post_attention_layernorm.bias", 0, 0.1, d);
            ck.normal(b + "attention.query_key_value.weight", 0, std, 3 * d, d);
            ck.normal(b + "attention.query_key_value.bias", 0, 0.1, 3 * d);
            ck.normal(b + "attention.dense.weight", 0, std, d, d);
            ck.normal(b + "attention.dense.bias", 0, 0.1, d);
            ck.normal(b + "mlp.dense_h_to_4h.weight", 0, std, inner, d);
            ck.normal(b + "mlp.dense_h_to_4h.bias", 0, 0.1, inner);
            ck.normal(b + "mlp.dense_4h_to_h.weight", 0, std, d, inner);
            ck.normal(b + "mlp.dense_4h_to_h.bias", 0, 0.1, d);
        }
        ck.normal(p + "final_layer_norm.weight", 1, 0.1, d);
        ck.normal(p + "final_layer_norm.bias", 0, 0.1, d);
        if (!s.tied()) {
            ck.normal("embed_out.weight", 0, std, s.vocab(), d);
        }
        ck.writeWeights(dir, s.shards());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_type", "gpt_neox");
        config.put("architectures", List.of("GPTNeoXForCausalLM"));
        config.put("vocab_size", s.vocab());
        config.put("hidden_size", s.hidden());
        config.put("num_hidden_layers", s.layers());
        config.put("num_attention_heads", s.heads());
        config.put("intermediate_size", s.intermediate());
        config.put("hidden_act", "gelu");
        config.put("max_position_embeddings", 64);
        config.put("rotary_pct", s.rotaryPct());
        config.put("rotary_emb_base", 10000);
        config.put("layer_norm_eps", 1e-5);
        config.put("use_parallel_residual", s.parallel());
        config.put("tie_word_embeddings", s.tied());
        ConfigWriter.write(dir, config);
        return ck.tensorsWithout(p);
    }
}
