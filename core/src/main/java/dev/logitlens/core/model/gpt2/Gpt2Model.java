package dev.logitlens.core.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.logitlens.core.model.BaseLensModel;
import dev.logitlens.core.model.Batch;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.Ops;
import dev.logitlens.core.model.Unembedding;

/**
 * GPT-2 (Hugging Face {@code GPT2LMHeadModel}): learned positions, pre-LN blocks, Conv1D weights (held transposed),
 * {@code gelu_new}, final {@code ln_f}, unembedding tied to {@code wte}.
 */
public final class Gpt2Model extends BaseLensModel<Gpt2Config, Gpt2Weights, Gpt2Weights.Block> {
    public Gpt2Model(Gpt2Config config, Gpt2Weights weights, BlockStore<Gpt2Weights.Block> blocks,
                     NDManager manager) {
        super(config, weights, blocks, manager, "gpt2", config.numLayers(), config.hiddenSize(), config.vocabSize(),
                config.maxPositions(), weights.wte());
    }

    /** h = wte[ids] + wpe[position of each row within its prompt].   [N, D] */
    @Override
    public NDArray embed(Batch batch) {
        return Ops.embed(w.wte(), batch.ids()).add(Ops.embed(w.wpe(), batch.positions(0)));
    }

    /** One pre-LN block: h + attn(ln_1(h)), then + mlp(ln_2(h)). {@code h} is [N, D]. */
    @Override
    protected NDArray block(int layer, Gpt2Weights.Block b, NDArray h, Batch batch) {
        long d = config.hiddenSize();
        // Attention: c_attn packs q, k, v along the output axis              [N, 3D]
        NDArray x = Ops.layerNorm(h, b.ln1W(), b.ln1B(), config.layerNormEps());
        NDList qkv = Ops.linear(x, b.attnW(), b.attnB()).split(new long[] {d, 2 * d}, 1);
        NDArray q = Ops.splitHeads(qkv.get(0), config.numHeads());          // [H, N, Dh]
        NDArray k = Ops.splitHeads(qkv.get(1), config.numHeads());
        NDArray v = Ops.splitHeads(qkv.get(2), config.numHeads());
        float scale = config.scaleAttnWeights() ? (float) (1.0 / Math.sqrt(config.headSize())) : 1f;
        if (config.scaleByInverseLayerIdx()) {
            scale /= (layer + 1);
        }
        NDArray attn = Ops.attention(batch, q, k, v, 0, scale, 0f);        // [N, D]
        h = h.add(Ops.linear(attn, b.attnProjW(), b.attnProjB()));
        // MLP: c_fc, activation, c_proj                                     [N, I] → [N, D]
        x = Ops.layerNorm(h, b.ln2W(), b.ln2B(), config.layerNormEps());
        NDArray mlp = Ops.activation(config.activation(), Ops.linear(x, b.fcW(), b.fcB()));
        return h.add(Ops.linear(mlp, b.fcProjW(), b.fcProjB()));
    }

    @Override
    public NDArray finalNorm(NDArray hidden) {
        return Ops.layerNorm(hidden, w.lnFW(), w.lnFB(), config.layerNormEps());
    }

    @Override
    public Unembedding unembedding() {
        // Tied: GPT-2's lm_head is wte itself unless a separate lm_head.weight was saved.
        return new Unembedding(w.lmHead() != null ? w.lmHead() : w.wte(), null, 0f);
    }
}
