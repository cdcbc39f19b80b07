package dev.logitlens.core.model.gemma;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.model.FamilySupport;
import dev.logitlens.core.model.Family;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.Weights;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads Gemma, Gemma 2 and Gemma 3 text checkpoints. Names are those of {@code GemmaModel}
 * ({@code embed_tokens.weight}, {@code layers.0.self_attn.q_proj.weight}, ...), with the {@code model.} prefix
 * when saved from the causal-LM class, and {@code language_model.model.} or {@code model.language_model.} when a
 * Gemma 3 text tower was saved from the multimodal model.
 */
public final class GemmaFamily implements Family {
    static final String[] PREFIXES = {"model.", "", "language_model.model.", "model.language_model."};

    @Override
    public List<String> modelTypes() {
        return List.of("gemma", "gemma2", "gemma3_text");
    }

    @Override
    public LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype) {
        String where = FamilySupport.configPath(checkpoint);
        GemmaConfig c = GemmaConfig.from(checkpoint.config(), where);
        FamilySupport.checkActivation(manager, c.activation(), "hidden_activation", where);
        Weights w = new Weights(checkpoint, manager, dtype, "embed_tokens.weight", PREFIXES);
        long d = c.hiddenSize();
        long q = c.qDim();
        long kv = c.kvDim();
        long inter = c.intermediateSize();
        long dh = c.headDim();
        List<GemmaWeights.Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "layers." + i + ".";
            String a = p + "self_attn.";
            blocks.add(new GemmaWeights.Block(
                    w.get(p + "input_layernorm.weight", d),
                    w.get(a + "q_proj.weight", q, d), w.getIf(c.attentionBias(), a + "q_proj.bias", q),
                    w.get(a + "k_proj.weight", kv, d), w.getIf(c.attentionBias(), a + "k_proj.bias", kv),
                    w.get(a + "v_proj.weight", kv, d), w.getIf(c.attentionBias(), a + "v_proj.bias", kv),
                    w.get(a + "o_proj.weight", d, q), w.getIf(c.attentionBias(), a + "o_proj.bias", d),
                    w.getIf(c.qkNorm(), a + "q_norm.weight", dh),
                    w.getIf(c.qkNorm(), a + "k_norm.weight", dh),
                    w.get(p + "post_attention_layernorm.weight", d),
                    w.getIf(c.sandwichNorms(), p + "pre_feedforward_layernorm.weight", d),
                    w.getIf(c.sandwichNorms(), p + "post_feedforward_layernorm.weight", d),
                    w.get(p + "mlp.gate_proj.weight", inter, d),
                    w.get(p + "mlp.up_proj.weight", inter, d),
                    w.get(p + "mlp.down_proj.weight", d, inter)));
        }
        NDArray lmHead = FamilySupport.separateHead(checkpoint, w, "lm_head.weight", c.tieWordEmbeddings(),
                c.vocabSize(), d);
        GemmaWeights weights = new GemmaWeights(w.get("embed_tokens.weight", c.vocabSize(), d), List.copyOf(blocks),
                w.get("norm.weight", d), lmHead);
        return new GemmaModel(c, weights, manager);
    }
}
