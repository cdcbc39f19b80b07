package dev.logitlens.core.model.gptneox;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.logitlens.core.model.BaseLensModel;
import dev.logitlens.core.model.Batch;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.Ops;
import dev.logitlens.core.model.Rope;
import dev.logitlens.core.model.Unembedding;

/**
 * GPT-NeoX / Pythia (Hugging Face {@code GPTNeoXForCausalLM}): fused per-head QKV, partial rotate-half rotary
 * on the first {@code rotary_ndims} dims of each head, parallel residual (or sequential), final LayerNorm,
 * separate {@code embed_out}.
 *
 * <p>Dims: T tokens, D hidden, H heads, Dh = D / H, I intermediate, V vocabulary.
 */
public final class GptNeoXModel extends BaseLensModel<GptNeoXConfig, GptNeoXWeights, GptNeoXWeights.Block> {
    private final Rope rope;

    public GptNeoXModel(GptNeoXConfig config, GptNeoXWeights weights, BlockStore<GptNeoXWeights.Block> blocks,
                        Rope rope, NDManager manager) {
        super(config, weights, blocks, manager, "gpt_neox", config.numLayers(), config.hiddenSize(), config.vocabSize(),
                config.maxPositions(), weights.embedIn());
        this.rope = rope;
    }

    /** h = embed_in[ids] (no position table: positions enter through rotary)    [N, D] */
    @Override
    public NDArray embed(Batch batch) {
        return Ops.embed(w.embedIn(), batch.ids());
    }

    /** Parallel: h + attn(ln1(h)) + mlp(ln2(h)). Sequential: a = h + attn(ln1(h)); a + mlp(ln2(a)). */
    @Override
    protected NDArray block(int layer, GptNeoXWeights.Block b, NDArray h, Batch batch) {
        float eps = config.layerNormEps();
        NDArray attn = attention(b, Ops.layerNorm(h, b.ln1W(), b.ln1B(), eps), batch);
        NDArray mlpIn = config.parallelResidual() ? h : h.add(attn);
        NDArray mlp = mlp(b, Ops.layerNorm(mlpIn, b.ln2W(), b.ln2B(), eps));
        return config.parallelResidual() ? h.add(attn).add(mlp) : mlpIn.add(mlp);
    }

    private NDArray attention(GptNeoXWeights.Block b, NDArray x, Batch batch) {
        long t = x.getShape().get(0);
        int heads = config.numHeads();
        long dh = config.headSize();
        // query_key_value, viewed per head as [N, H, 3·Dh] = (q | k | v) of each head, then [H, N, 3·Dh]
        NDArray qkv = Ops.linear(x, b.qkvW(), b.qkvB()).reshape(t, heads, 3 * dh).transpose(1, 0, 2);
        NDArray q = qkv.get(":, :, 0:" + dh);
        NDArray k = qkv.get(":, :, " + dh + ":" + 2 * dh);
        NDArray v = qkv.get(":, :, " + 2 * dh + ":");
        // Rotary (rotate_half) on the first rotary_ndims dims of each head; the rest pass through
        q = rope.apply(q, false, batch);
        k = rope.apply(k, false, batch);
        NDArray out = Ops.attention(batch, q, k, v, 0, (float) Math.pow(dh, -0.5), 0f);  // [T, D]
        return Ops.linear(out, b.denseW(), b.denseB());
    }

    private NDArray mlp(GptNeoXWeights.Block b, NDArray x) {
        NDArray a = Ops.activation(config.activation(), Ops.linear(x, b.fcW(), b.fcB()));  // [T, I]
        return Ops.linear(a, b.projW(), b.projB());
    }

    @Override
    public NDArray finalNorm(NDArray hidden) {
        return Ops.layerNorm(hidden, w.finalLnW(), w.finalLnB(), config.layerNormEps());
    }

    @Override
    public Unembedding unembedding() {
        return new Unembedding(w.embedOut() != null ? w.embedOut() : w.embedIn(), null, 0f);
    }
}
