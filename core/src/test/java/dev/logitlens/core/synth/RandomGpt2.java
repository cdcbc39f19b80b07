package dev.logitlens.core.synth;

import dev.logitlens.core.checkpoint.ConfigWriter;
import dev.logitlens.core.checkpoint.TensorDtype;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a GPT-2 model directory with random weights (tests and benchmarks). */
public final class RandomGpt2 {
    /**
     * @param prefix "" (as the hub's gpt2 stores names) or "transformer." (as GPT2LMHeadModel saves them)
     * @param tied   false writes a separate lm_head.weight and tie_word_embeddings: false
     */
    public record Spec(int layers, int hidden, int heads, int vocab, int positions, TensorDtype dtype,
                       String prefix, boolean tied, int shards, long seed) {}

    private RandomGpt2() {}

    /** Writes config.json and the weights (not the tokenizer); returns the weights by name, prefix stripped. */
    public static Map<String, float[]> write(Path dir, Spec s) throws IOException {
        SyntheticCheckpoint ck = new SyntheticCheckpoint(s.seed(), s.dtype());
        long d = s.hidden();
        long inner = 4L * d;
        String p = s.prefix();
        double std = 0.02 * 10; // larger than GPT-2's init so layers differ visibly in the lens
        ck.normal(p + "wte.weight", 0, std, s.vocab(), d);
        ck.normal(p + "wpe.weight", 0, std, s.positions(), d);
        for (int i = 0; i < s.layers(); i++) {
            String b = p + "h." + i + ".";
            ck.normal(b + "ln_1.weight", 1, 0.1, d);
            ck.normal(b + "ln_1.bias", 0, 0.1, d);
            ck.normal(b + "attn.c_attn.weight", 0, std, d, 3 * d);
            ck.normal(b + "attn.c_attn.bias", 0, 0.1, 3 * d);
            ck.normal(b + "attn.c_proj.weight", 0, std, d, d);
            ck.normal(b + "attn.c_proj.bias", 0, 0.1, d);
            ck.normal(b + "ln_2.weight", 1, 0.1, d);
            ck.normal(b + "ln_2.bias", 0, 0.1, d);
            ck.normal(b + "mlp.c_fc.weight", 0, std, d, inner);
            ck.normal(b + "mlp.c_fc.bias", 0, 0.1, inner);
            ck.normal(b + "mlp.c_proj.weight", 0, std, inner, d);
            ck.normal(b + "mlp.c_proj.bias", 0, 0.1, d);
        }
        ck.normal(p + "ln_f.weight", 1, 0.1, d);
        ck.normal(p + "ln_f.bias", 0, 0.1, d);
        if (!s.tied()) {
            ck.normal("lm_head.weight", 0, std, s.vocab(), d);
        }
        ck.writeWeights(dir, s.shards());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_type", "gpt2");
        config.put("architectures", List.of("GPT2LMHeadModel"));
        config.put("vocab_size", s.vocab());
        config.put("n_positions", s.positions());
        config.put("n_embd", s.hidden());
        config.put("n_layer", s.layers());
        config.put("n_head", s.heads());
        config.put("activation_function", "gelu_new");
        config.put("layer_norm_epsilon", 1e-5);
        config.put("tie_word_embeddings", s.tied());
        ConfigWriter.write(dir, config);
        return ck.tensorsWithout(p);
    }
}
