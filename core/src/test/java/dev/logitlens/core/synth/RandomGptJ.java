package dev.logitlens.core.synth;

import dev.logitlens.core.checkpoint.ConfigWriter;
import dev.logitlens.core.checkpoint.TensorDtype;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes a GPT-J model directory with random weights (tests and benchmarks). */
public final class RandomGptJ {
    /**
     * @param rotaryDim dims per head that rotate (gpt-j-6b: 64 of 256)
     * @param prefix    "transformer." (as GPTJForCausalLM saves them) or ""
     * @param tied      true writes no lm_head.weight (the bias is always written) and tie_word_embeddings: true
     */
    public record Spec(int layers, int hidden, int heads, int inner, int vocab, int rotaryDim, TensorDtype dtype,
                       String prefix, boolean tied, int shards, long seed) {}

    private RandomGptJ() {}

    /** Writes config.json and the weights (not the tokenizer); returns the weights by name, prefix stripped. */
    public static Map<String, float[]> write(Path dir, Spec s) throws IOException {
        SyntheticCheckpoint ck = new SyntheticCheckpoint(s.seed(), s.dtype());
        long d = s.hidden();
        long inner = s.inner();
        String p = s.prefix();
        double std = 0.2; // larger than the usual init so layers differ visibly in the lens
        ck.normal(p + "wte.weight", 0, std, s.vocab(), d);
        for (int i = 0; i < s.layers(); i++) {
            String b = p + "h." + i + ".";
            ck.normal(b + "ln_1.weight", 1, 0.1, d);
            ck.normal(b + "ln_1.bias", 0, 0.1, d);
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                ck.normal(b + "attn." + proj + ".weight", 0, std, d, d);
            }
            ck.normal(b + "mlp.fc_in.weight", 0, std, inner, d);
            ck.normal(b + "mlp.fc_in.bias", 0, 0.1, inner);
            ck.normal(b + "mlp.fc_out.weight", 0, std, d, inner);
            ck.normal(b + "mlp.fc_out.bias", 0, 0.1, d);
        }
        ck.normal(p + "ln_f.weight", 1, 0.1, d);
        ck.normal(p + "ln_f.bias", 0, 0.1, d);
        if (!s.tied()) {
            ck.normal("lm_head.weight", 0, std, s.vocab(), d);
        }
        ck.normal("lm_head.bias", 0, 0.5, s.vocab());
        ck.writeWeights(dir, s.shards());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_type", "gptj");
        config.put("architectures", List.of("GPTJForCausalLM"));
        config.put("vocab_size", s.vocab());
        config.put("n_positions", 64);
        config.put("n_embd", s.hidden());
        config.put("n_layer", s.layers());
        config.put("n_head", s.heads());
        config.put("n_inner", s.inner());
        config.put("rotary_dim", s.rotaryDim());
        config.put("activation_function", "gelu_new");
        config.put("layer_norm_epsilon", 1e-5);
        config.put("tie_word_embeddings", s.tied());
        ConfigWriter.write(dir, config);
        return ck.tensorsWithout(p);
    }
}
