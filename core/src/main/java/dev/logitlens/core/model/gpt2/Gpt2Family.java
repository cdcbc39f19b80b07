package dev.logitlens.core.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.Family;
import dev.logitlens.core.model.FamilySupport;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.Weights;

import java.util.List;

/**
 * Reads GPT-2 checkpoints. Names are those of {@code GPT2Model} ({@code wte.weight}, {@code h.0.attn.c_attn.weight},
 * ...), with the {@code transformer.} prefix when saved from {@code GPT2LMHeadModel}. The causal-mask
 * buffers {@code attn.bias} / {@code attn.masked_bias} are not weights and are ignored.
 */
public final class Gpt2Family implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("gpt2");
    }

    @Override
    public LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype, BlockStore.Residency residency) {
        String where = FamilySupport.configPath(checkpoint);
        Gpt2Config c = Gpt2Config.from(checkpoint.config(), where);
        FamilySupport.checkActivation(manager, c.activation(), "activation_function", where);
        Weights w = new Weights(checkpoint, manager, dtype, "wte.weight", "", "transformer.");
        long d = c.hiddenSize();
        long inner = c.innerSize();
        // Read in forward order, so a broken checkpoint reports its first bad tensor.
        NDArray wte = w.get("wte.weight", c.vocabSize(), d);
        NDArray wpe = w.get("wpe.weight", c.maxPositions(), d);
        BlockStore<Gpt2Weights.Block> blocks = BlockStore.of(c.numLayers(), (i, bw) -> block(c, i, bw), w, residency);
        // lm_head.weight only exists when the head was saved untied; tied, the unembedding is wte.
        NDArray lmHead = FamilySupport.separateHead(checkpoint, w, "lm_head.weight", c.tieWordEmbeddings(),
                c.vocabSize(), d);
        Gpt2Weights weights = new Gpt2Weights(wte, wpe, w.get("ln_f.weight", d), w.get("ln_f.bias", d), lmHead);
        return new Gpt2Model(c, weights, blocks, manager);
    }

    /** Block {@code i}'s tensors, by their Hugging Face names. */
    private static Gpt2Weights.Block block(Gpt2Config c, int i, Weights w) {
        long d = c.hiddenSize();
        long inner = c.innerSize();
        String p = "h." + i + ".";
        return new Gpt2Weights.Block(
                w.get(p + "ln_1.weight", d), w.get(p + "ln_1.bias", d),
                w.getConv1D(p + "attn.c_attn.weight", d, 3 * d), w.get(p + "attn.c_attn.bias", 3 * d),
                w.getConv1D(p + "attn.c_proj.weight", d, d), w.get(p + "attn.c_proj.bias", d),
                w.get(p + "ln_2.weight", d), w.get(p + "ln_2.bias", d),
                w.getConv1D(p + "mlp.c_fc.weight", d, inner), w.get(p + "mlp.c_fc.bias", inner),
                w.getConv1D(p + "mlp.c_proj.weight", inner, d), w.get(p + "mlp.c_proj.bias", d));
    }
}
