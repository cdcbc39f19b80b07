package dev.logitlens.core.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.model.BaseLensModel;
import dev.logitlens.core.model.Ops;
import dev.logitlens.core.model.Unembedding;

/**
 * GPT-2 (Hugging Face {@code GPT2LMHeadModel}): learned positions, pre-LN blocks, Conv1D weights,
 * {@code gelu_new}, final {@code ln_f}, unembedding tied to {@code wte}.
 */
public final class Gpt2Model extends BaseLensModel<Gpt2Config, Gpt2Weights> {
    public Gpt2Model(Gpt2Config config, Gpt2Weights weights, NDManager manager) {
        super(config, weights, manager, "gpt2", config.numLayers(), config.hiddenSize(), config.vocabSize(),
                config.maxPositions(), weights.wte());
    }

    @Override
    public NDList blockOutputs(NDArray inputIds) {
        NDManager m = inputIds.getManager();
        int t = (int) inputIds.getShape().get(0);
        // h = wte[ids] + wpe[0..T)                                   [T, D]
        NDArray positions = m.arange(0, t, 1, DataType.INT64);
        NDArray h = Ops.embed(w.wte(), inputIds).add(Ops.embed(w.wpe(), positions));
        NDArray mask = Ops.causalMask(m, t, 0, h.getDataType());
        return runBlocks(h, config.numLayers(), (i, hidden) -> block(i, w.blocks().get(i), hidden, mask, 1));
    }

    /**
     * The forward pass over a batch of equal-length sequences (the demo trainer's; the lens runs one
     * prompt at a time through {@link #blockOutputs}). Pad at the end: the causal mask keeps padding
     * from reaching earlier positions.
     *
     * @param inputIds [B, T] int64 token ids
     * @return L arrays of [B·T, D], sequence-major (row b·T + t)
     */
    public NDList blockOutputsBatch(NDArray inputIds) {
        NDManager m = inputIds.getManager();
        int batch = (int) inputIds.getShape().get(0);
        int t = (int) inputIds.getShape().get(1);
        long[] pos = new long[batch * t];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = i % t;
        }
        NDArray flatIds = inputIds.reshape(batch * (long) t);
        NDArray h = Ops.embed(w.wte(), flatIds).add(Ops.embed(w.wpe(), m.create(pos)));
        NDArray mask = Ops.causalMask(m, t, 0, h.getDataType());
        return runBlocks(h, config.numLayers(), (i, hidden) -> block(i, w.blocks().get(i), hidden, mask, batch));
    }

    /** Next-token logits [B·T, V] of a batch, as {@link #logits} for one sequence. */
    public NDArray logitsBatch(NDArray inputIds) {
        NDList outs = blockOutputsBatch(inputIds);
        return unembedding().logits(finalNorm(outs.get(outs.size() - 1)));
    }

    /** One pre-LN block: h + attn(ln_1(h)), then + mlp(ln_2(h)). {@code h} is [B·T, D]. */
    private NDArray block(int layer, Gpt2Weights.Block b, NDArray h, NDArray mask, int batch) {
        long d = config.hiddenSize();
        // Attention: c_attn packs q, k, v along the output axis              [B·T, 3D]
        NDArray x = Ops.layerNorm(h, b.ln1W(), b.ln1B(), config.layerNormEps());
        NDList qkv = x.matMul(b.attnW()).add(b.attnB()).split(new long[] {d, 2 * d}, 1);
        NDArray q = heads(qkv.get(0), batch);                               // [B·H, T, Dh]
        NDArray k = heads(qkv.get(1), batch);
        NDArray v = heads(qkv.get(2), batch);
        float scale = config.scaleAttnWeights() ? (float) (1.0 / Math.sqrt(config.headSize())) : 1f;
        if (config.scaleByInverseLayerIdx()) {
            scale /= (layer + 1);
        }
        NDArray attn = Ops.attention(q, k, v, mask, scale, 0f);             // [T, B·D]
        if (batch > 1) { // the B·H "heads" come back side by side per position; regroup by sequence
            long t = attn.getShape().get(0);
            attn = attn.reshape(t, batch, d).transpose(1, 0, 2).reshape(batch * t, d);
        }
        h = h.add(attn.matMul(b.attnProjW()).add(b.attnProjB()));
        // MLP: c_fc, activation, c_proj                                     [B·T, I] → [B·T, D]
        x = Ops.layerNorm(h, b.ln2W(), b.ln2B(), config.layerNormEps());
        NDArray mlp = Ops.activation(config.activation(), x.matMul(b.fcW()).add(b.fcB()));
        return h.add(mlp.matMul(b.fcProjW()).add(b.fcProjB()));
    }

    /** [B·T, D] → [B·H, T, Dh]: each sequence's heads become attention heads of their own. */
    private NDArray heads(NDArray x, int batch) {
        int heads = config.numHeads();
        if (batch == 1) {
            return Ops.splitHeads(x, heads);
        }
        long t = x.getShape().get(0) / batch;
        return x.reshape(batch, t, heads, config.headSize()).transpose(0, 2, 1, 3)
                .reshape((long) batch * heads, t, config.headSize());
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
