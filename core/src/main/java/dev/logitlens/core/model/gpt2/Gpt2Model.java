package dev.logitlens.core.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.ModelInfo;
import dev.logitlens.core.model.Ops;
import dev.logitlens.core.model.Unembedding;

/**
 * GPT-2 (Hugging Face {@code GPT2LMHeadModel}): learned positions, pre-LN blocks, Conv1D weights,
 * {@code gelu_new}, final {@code ln_f}, unembedding tied to {@code wte}.
 */
public final class Gpt2Model implements LensModel {
    private final Gpt2Config config;
    private final Gpt2Weights w;
    private final NDManager manager;
    private final ModelInfo info;

    public Gpt2Model(Gpt2Config config, Gpt2Weights weights, NDManager manager) {
        this.config = config;
        this.w = weights;
        this.manager = manager;
        this.info = new ModelInfo("gpt2", config.numLayers(), config.hiddenSize(), config.vocabSize(),
                config.maxPositions(), weights.wte().getDataType().toString(), weights.wte().getDevice().toString());
    }

    public Gpt2Config config() {
        return config;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public NDList blockOutputs(NDArray inputIds) {
        NDManager m = inputIds.getManager();
        int t = (int) inputIds.getShape().get(0);
        // h = wte[ids] + wpe[0..T)                                   [T, D]
        NDArray positions = m.arange(0, t, 1, ai.djl.ndarray.types.DataType.INT64);
        NDArray h = w.wte().get(new NDIndex("{}", inputIds)).add(w.wpe().get(new NDIndex("{}", positions)));
        NDArray mask = Ops.causalMask(m, t, 0, h.getDataType());
        NDList outputs = new NDList(config.numLayers());
        for (int i = 0; i < config.numLayers(); i++) {
            h = block(i, w.blocks().get(i), h, mask);
            outputs.add(h);
        }
        return outputs;
    }

    /** One pre-LN block: h + attn(ln_1(h)), then + mlp(ln_2(h)). */
    private NDArray block(int layer, Gpt2Weights.Block b, NDArray h, NDArray mask) {
        long d = config.hiddenSize();
        int heads = config.numHeads();
        // Attention: c_attn packs q, k, v along the output axis              [T, 3D]
        NDArray x = Ops.layerNorm(h, b.ln1W(), b.ln1B(), config.layerNormEps());
        NDList qkv = x.matMul(b.attnW()).add(b.attnB()).split(new long[] {d, 2 * d}, 1);
        NDArray q = Ops.splitHeads(qkv.get(0), heads);                      // [H, T, Dh]
        NDArray k = Ops.splitHeads(qkv.get(1), heads);
        NDArray v = Ops.splitHeads(qkv.get(2), heads);
        float scale = config.scaleAttnWeights() ? (float) (1.0 / Math.sqrt(config.headSize())) : 1f;
        if (config.scaleByInverseLayerIdx()) {
            scale /= (layer + 1);
        }
        NDArray attn = Ops.attention(q, k, v, mask, scale, 0f);             // [T, D]
        h = h.add(attn.matMul(b.attnProjW()).add(b.attnProjB()));
        // MLP: c_fc, activation, c_proj                                     [T, I] → [T, D]
        x = Ops.layerNorm(h, b.ln2W(), b.ln2B(), config.layerNormEps());
        NDArray mlp = Ops.activation(config.activation(), x.matMul(b.fcW()).add(b.fcB()));
        return h.add(mlp.matMul(b.fcProjW()).add(b.fcProjB()));
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

    /** Full next-token logits [T, V] (the model's own output), used by training and tests. */
    public NDArray logits(NDArray inputIds) {
        NDList outs = blockOutputs(inputIds);
        return unembedding().logits(finalNorm(outs.get(outs.size() - 1)));
    }

    @Override
    public void close() {
        manager.close();
    }
}
