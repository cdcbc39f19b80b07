package dev.logitlens.core.model.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.model.FamilySupport;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.Family;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.Weights;

import java.util.List;

/**
 * Reads OPT checkpoints. Names are those of {@code OPTDecoder} ({@code embed_tokens.weight},
 * {@code layers.0.self_attn.q_proj.weight}, ...) under {@code model.decoder.} as {@code OPTForCausalLM} saves
 * them, or {@code decoder.} as {@code OPTModel} saves them (the hub's facebook/opt-* files).
 */
public final class OptFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("opt");
    }

    @Override
    public LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype, BlockStore.Residency residency) {
        String where = FamilySupport.configPath(checkpoint);
        OptConfig c = OptConfig.from(checkpoint.config(), where);
        FamilySupport.checkActivation(manager, c.activation(), "activation_function", where);
        Weights w = new Weights(checkpoint, manager, dtype, "embed_tokens.weight", "model.decoder.", "decoder.");
        long d = c.hiddenSize();
        long p = c.wordEmbedProjDim();
        long f = c.ffnDim();
        boolean bias = c.enableBias();
        boolean affine = c.layerNormAffine();
        BlockStore<OptWeights.Block> blocks = BlockStore.of(c.numLayers(), (i, bw) -> block(c, i, bw), w, residency);
        boolean finalLn = c.hasFinalLayerNorm() && affine;
        NDArray embed = w.get("embed_tokens.weight", c.vocabSize(), p);
        OptWeights weights = new OptWeights(
                embed,
                w.get("embed_positions.weight", c.maxPositions() + OptConfig.POSITION_OFFSET, d),
                w.getIf(c.hasProjections(), "project_in.weight", d, p),
                w.getIf(finalLn, "final_layer_norm.weight", d),
                w.getIf(finalLn, "final_layer_norm.bias", d),
                w.getIf(c.hasProjections(), "project_out.weight", p, d),
                FamilySupport.separateHead(checkpoint, w, "lm_head.weight", c.tieWordEmbeddings(), c.vocabSize(), p));
        return new OptModel(c, weights, blocks, manager);
    }

    /** Block {@code i}'s tensors, by their Hugging Face names. */
    private static OptWeights.Block block(OptConfig c, int i, Weights w) {
        long d = c.hiddenSize();
        long p = c.wordEmbedProjDim();
        long f = c.ffnDim();
        boolean bias = c.enableBias();
        boolean affine = c.layerNormAffine();
        String l = "layers." + i + ".";
        String a = l + "self_attn.";
        return new OptWeights.Block(
                w.getIf(affine, l + "self_attn_layer_norm.weight", d),
                w.getIf(affine, l + "self_attn_layer_norm.bias", d),
                w.get(a + "q_proj.weight", d, d), w.getIf(bias, a + "q_proj.bias", d),
                w.get(a + "k_proj.weight", d, d), w.getIf(bias, a + "k_proj.bias", d),
                w.get(a + "v_proj.weight", d, d), w.getIf(bias, a + "v_proj.bias", d),
                w.get(a + "out_proj.weight", d, d), w.getIf(bias, a + "out_proj.bias", d),
                w.getIf(affine, l + "final_layer_norm.weight", d),
                w.getIf(affine, l + "final_layer_norm.bias", d),
                w.get(l + "fc1.weight", f, d), w.getIf(bias, l + "fc1.bias", f),
                w.get(l + "fc2.weight", d, f), w.getIf(bias, l + "fc2.bias", d));
    }
}
