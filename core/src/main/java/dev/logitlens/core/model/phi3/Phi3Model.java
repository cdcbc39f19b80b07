package dev.logitlens.core.model.phi3;

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
 * Phi-3 (Hugging Face {@code Phi3ForCausalLM}): pre-RMSNorm blocks, fused {@code qkv_proj} with grouped
 * key/value heads, rotate-half rotary (partial when {@code partial_rotary_factor} &lt; 1), optional sliding
 * window, fused {@code gate_up_proj} SiLU MLP, final {@code norm}, separate or tied {@code lm_head}.
 *
 * <p>Dims: T tokens, D hidden, H heads, Hkv key/value heads, Dh head size, I intermediate, V vocabulary.
 */
public final class Phi3Model extends BaseLensModel<Phi3Config, Phi3Weights, Phi3Weights.Block> {
    private final Rope rope;

    public Phi3Model(Phi3Config config, Phi3Weights weights, BlockStore<Phi3Weights.Block> blocks, Rope rope,
                     NDManager manager) {
        super(config, weights, blocks, manager, "phi3", config.numLayers(), config.hiddenSize(), config.vocabSize(),
                config.maxPositions(), weights.embedTokens());
        this.rope = rope;
    }

    /** h = embed_tokens[ids]                                               [N, D] */
    @Override
    public NDArray embed(Batch batch) {
        return Ops.embed(w.embedTokens(), batch.ids());
    }

    /** h + attn(norm(h)), then + mlp(norm(h)). */
    @Override
    protected NDArray block(int layer, Phi3Weights.Block b, NDArray h, Batch batch) {
        float eps = config.rmsNormEps();
        h = h.add(attention(b, Ops.rmsNorm(h, b.inputLnW(), eps, false), batch));
        return h.add(mlp(b, Ops.rmsNorm(h, b.postLnW(), eps, false)));
    }

    private NDArray attention(Phi3Weights.Block b, NDArray x, Batch batch) {
        long dh = config.headDim();
        long qSize = config.numHeads() * dh;
        long kvSize = config.kvHeads() * dh;
        // qkv_proj: q | k | v along the output axis                           [T, (H + 2·Hkv)·Dh]
        NDList qkv = Ops.linear(x, b.qkvW(), null).split(new long[] {qSize, qSize + kvSize}, 1);
        NDArray q = rope.apply(Ops.splitHeads(qkv.get(0), config.numHeads()), false, batch);  // [H, T, Dh]
        NDArray k = rope.apply(Ops.splitHeads(qkv.get(1), config.kvHeads()), false, batch);   // [Hkv, T, Dh]
        NDArray v = Ops.splitHeads(qkv.get(2), config.kvHeads());
        NDArray out = Ops.attention(batch, q, k, v, config.slidingWindow(), (float) Math.pow(dh, -0.5), 0f);    // [T, H·Dh]
        return Ops.linear(out, b.oW(), null);
    }

    /** gate_up_proj, chunked as (gate, up): down(up · act(gate)). */
    private NDArray mlp(Phi3Weights.Block b, NDArray x) {
        long i = config.intermediateSize();
        NDList gateUp = Ops.linear(x, b.gateUpW(), null).split(new long[] {i}, 1);   // 2 × [T, I]
        NDArray a = gateUp.get(1).mul(Ops.activation(config.activation(), gateUp.get(0)));
        return Ops.linear(a, b.downW(), null);
    }

    @Override
    public NDArray finalNorm(NDArray hidden) {
        return Ops.rmsNorm(hidden, w.normW(), config.rmsNormEps(), false);
    }

    @Override
    public Unembedding unembedding() {
        return new Unembedding(w.lmHead() != null ? w.lmHead() : w.embedTokens(), null, 0f);
    }
}
