package dev.logitlens.core.model.phi3;

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
 * Reads Phi-3 checkpoints. Names are those of {@code Phi3Model} ({@code embed_tokens.weight},
 * {@code layers.0.self_attn.qkv_proj.weight}, {@code layers.0.mlp.gate_up_proj.weight}, ...) with the
 * {@code model.} prefix when saved from {@code Phi3ForCausalLM}, whose {@code lm_head.weight} sits outside.
 */
public final class Phi3Family implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("phi3");
    }

    @Override
    public LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype, BlockStore.Residency residency) {
        String where = FamilySupport.configPath(checkpoint);
        Phi3Config c = Phi3Config.from(checkpoint.config(), where);
        FamilySupport.checkActivation(manager, c.activation(), "hidden_act", where);
        // longrope reads original_max_position_embeddings, which Phi-3 keeps at the top level
        Rope rope = Rope.fromConfig(where, c.rotaryDim(), c.ropeTheta(), c.ropeScaling(),
                c.maxPositions(), c.originalMaxPositions());
        Weights w = new Weights(checkpoint, manager, dtype, "embed_tokens.weight", "model.", "");
        long d = c.hiddenSize();
        long qkv = (long) (c.numHeads() + 2 * c.kvHeads()) * c.headDim();
        long inner = c.intermediateSize();
        BlockStore<Phi3Weights.Block> blocks = BlockStore.of(c.numLayers(), (i, bw) -> block(c, i, bw), w, residency);
        Phi3Weights weights = new Phi3Weights(
                w.get("embed_tokens.weight", c.vocabSize(), d), w.get("norm.weight", d),
                FamilySupport.separateHead(checkpoint, w, "lm_head.weight", c.tieWordEmbeddings(), c.vocabSize(), d));
        return new Phi3Model(c, weights, blocks, rope, manager);
    }

    /** Block {@code i}'s tensors, by their Hugging Face names. */
    private static Phi3Weights.Block block(Phi3Config c, int i, Weights w) {
        long d = c.hiddenSize();
        long qkv = (long) (c.numHeads() + 2 * c.kvHeads()) * c.headDim();
        long inner = c.intermediateSize();
        String p = "layers." + i + ".";
        return new Phi3Weights.Block(
                w.get(p + "input_layernorm.weight", d),
                w.get(p + "self_attn.qkv_proj.weight", qkv, d),
                w.get(p + "self_attn.o_proj.weight", d, (long) c.numHeads() * c.headDim()),
                w.get(p + "post_attention_layernorm.weight", d),
                w.get(p + "mlp.gate_up_proj.weight", 2 * inner, d),
                w.get(p + "mlp.down_proj.weight", d, inner));
    }
}
