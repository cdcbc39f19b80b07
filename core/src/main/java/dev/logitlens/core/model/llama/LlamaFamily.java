package dev.logitlens.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.Family;
import dev.logitlens.core.model.FamilySupport;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.Rope;
import dev.logitlens.core.model.Weights;

import java.util.List;

/**
 * Reads Llama, Mistral, Qwen2 and Qwen3 checkpoints. Names are those of {@code LlamaModel}
 * ({@code embed_tokens.weight}, {@code layers.0.self_attn.q_proj.weight}, ..., {@code norm.weight}), with
 * the {@code model.} prefix when saved from the {@code ...ForCausalLM} class; {@code lm_head.weight} sits
 * outside the prefix and is read only when the head is untied, as {@code from_pretrained} does.
 */
public final class LlamaFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("llama", "mistral", "qwen2", "qwen3");
    }

    @Override
    public LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype, BlockStore.Residency residency) {
        String where = FamilySupport.configPath(checkpoint);
        LlamaConfig c = LlamaConfig.from(checkpoint.config(), where);
        FamilySupport.checkActivation(manager, c.hiddenAct(), "hidden_act", where);
        // longrope falls back to a top-level original_max_position_embeddings, as HF's getattr(config, ...)
        Rope rope = Rope.fromConfig(where, c.rotaryDim(), c.ropeTheta(), c.ropeScaling(),
                c.maxPositions(), checkpoint.config().path("original_max_position_embeddings").asInt(0));
        Weights w = new Weights(checkpoint, manager, dtype, "embed_tokens.weight", "", "model.");
        long d = c.hiddenSize();
        BlockStore<LlamaWeights.Block> blocks = BlockStore.of(c.numLayers(), (i, bw) -> block(c, i, bw), w, residency);
        NDArray lmHead = FamilySupport.separateHead(checkpoint, w, "lm_head.weight", c.tieWordEmbeddings(),
                c.vocabSize(), d);
        LlamaWeights weights = new LlamaWeights(w.get("embed_tokens.weight", c.vocabSize(), d),
                w.get("norm.weight", d), lmHead);
        return new LlamaModel(c, weights, blocks, rope, manager);
    }

    /** Decoder layer {@code i}'s tensors, by their Hugging Face names. */
    private static LlamaWeights.Block block(LlamaConfig c, int i, Weights w) {
        long d = c.hiddenSize();
        long qDim = (long) c.numHeads() * c.headDim();
        long kvDim = (long) c.numKvHeads() * c.headDim();
        long inter = c.intermediateSize();
        String p = "layers." + i + ".";
        String a = p + "self_attn.";
        String m = p + "mlp.";
        return new LlamaWeights.Block(
                w.get(p + "input_layernorm.weight", d),
                w.get(a + "q_proj.weight", qDim, d), w.getIf(c.qkvBias(), a + "q_proj.bias", qDim),
                w.get(a + "k_proj.weight", kvDim, d), w.getIf(c.qkvBias(), a + "k_proj.bias", kvDim),
                w.get(a + "v_proj.weight", kvDim, d), w.getIf(c.qkvBias(), a + "v_proj.bias", kvDim),
                w.get(a + "o_proj.weight", d, qDim), w.getIf(c.outputBias(), a + "o_proj.bias", d),
                w.getIf(c.qkNorm(), a + "q_norm.weight", c.headDim()),
                w.getIf(c.qkNorm(), a + "k_norm.weight", c.headDim()),
                w.get(p + "post_attention_layernorm.weight", d),
                w.get(m + "gate_proj.weight", inter, d), w.getIf(c.mlpBias(), m + "gate_proj.bias", inter),
                w.get(m + "up_proj.weight", inter, d), w.getIf(c.mlpBias(), m + "up_proj.bias", inter),
                w.get(m + "down_proj.weight", d, inter), w.getIf(c.mlpBias(), m + "down_proj.bias", d));
    }
}
