package dev.logitlens.core.model.gptj;

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
 * Reads GPT-J checkpoints. Names are those of {@code GPTJModel} ({@code wte.weight},
 * {@code h.0.attn.q_proj.weight}, ...) with the {@code transformer.} prefix when saved from
 * {@code GPTJForCausalLM}, whose {@code lm_head.weight} and {@code lm_head.bias} sit outside the base model.
 * The causal-mask buffers {@code attn.bias} / {@code attn.masked_bias} of older saves are ignored.
 */
public final class GptJFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("gptj");
    }

    @Override
    public LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype, BlockStore.Residency residency) {
        String where = FamilySupport.configPath(checkpoint);
        GptJConfig c = GptJConfig.from(checkpoint.config(), where);
        FamilySupport.checkActivation(manager, c.activation(), "activation_function", where);
        // GPT-J's sinusoids take no rope_scaling.
        Rope rope = Rope.fromConfig(c.rotaryDim(), GptJConfig.ROTARY_BASE, null, c.maxPositions());
        Weights w = new Weights(checkpoint, manager, dtype, "wte.weight", "transformer.", "");
        long d = c.hiddenSize();
        long inner = c.innerSize();
        BlockStore<GptJWeights.Block> blocks = BlockStore.of(c.numLayers(), (i, bw) -> block(c, i, bw), w, residency);
        // The bias is a parameter of lm_head even when its weight is tied to wte.
        NDArray bias = w.hasUnprefixed("lm_head.bias") ? w.getUnprefixed("lm_head.bias", c.vocabSize()) : null;
        GptJWeights weights = new GptJWeights(
                w.get("wte.weight", c.vocabSize(), d),
                w.get("ln_f.weight", d), w.get("ln_f.bias", d),
                FamilySupport.separateHead(checkpoint, w, "lm_head.weight", c.tieWordEmbeddings(), c.vocabSize(), d),
                bias);
        return new GptJModel(c, weights, blocks, rope, manager);
    }

    /** Block {@code i}'s tensors, by their Hugging Face names. */
    private static GptJWeights.Block block(GptJConfig c, int i, Weights w) {
        long d = c.hiddenSize();
        long inner = c.innerSize();
        String p = "h." + i + ".";
        return new GptJWeights.Block(
                w.get(p + "ln_1.weight", d), w.get(p + "ln_1.bias", d),
                w.get(p + "attn.q_proj.weight", d, d), w.get(p + "attn.k_proj.weight", d, d),
                w.get(p + "attn.v_proj.weight", d, d), w.get(p + "attn.out_proj.weight", d, d),
                w.get(p + "mlp.fc_in.weight", inner, d), w.get(p + "mlp.fc_in.bias", inner),
                w.get(p + "mlp.fc_out.weight", d, inner), w.get(p + "mlp.fc_out.bias", d));
    }
}
