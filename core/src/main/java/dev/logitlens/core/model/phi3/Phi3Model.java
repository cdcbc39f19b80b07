package dev.logitlens.core.model.phi3;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.ModelInfo;
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
public final class Phi3Model implements LensModel {
    private final Phi3Config config;
    private final Phi3Weights w;
    private final Rope rope;
    private final NDManager manager;
    private final ModelInfo info;

    public Phi3Model(Phi3Config config, Phi3Weights weights, Rope rope, NDManager manager) {
        this.config = config;
        this.w = weights;
        this.rope = rope;
        this.manager = manager;
        this.info = new ModelInfo("phi3", config.numLayers(), config.hiddenSize(), config.vocabSize(),
                config.maxPositions(), weights.embedTokens().getDataType().toString(),
                weights.embedTokens().getDevice().toString());
    }

    public Phi3Config config() {
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
        // h = embed_tokens[ids]                                               [T, D]
        NDArray h = w.embedTokens().get(new NDIndex("{}", inputIds));
        NDArray mask = Ops.causalMask(m, t, config.slidingWindow(), h.getDataType());
        NDList outputs = new NDList(config.numLayers());
        for (Phi3Weights.Block b : w.blocks()) {
            h = block(b, h, mask);
            outputs.add(h);
        }
        return outputs;
    }

    /** h + attn(norm(h)), then + mlp(norm(h)). */
    private NDArray block(Phi3Weights.Block b, NDArray h, NDArray mask) {
        float eps = config.rmsNormEps();
        h = h.add(attention(b, Ops.rmsNorm(h, b.inputLnW(), eps, false), mask));
        return h.add(mlp(b, Ops.rmsNorm(h, b.postLnW(), eps, false)));
    }

    private NDArray attention(Phi3Weights.Block b, NDArray x, NDArray mask) {
        long dh = config.headDim();
        long qSize = config.numHeads() * dh;
        long kvSize = config.kvHeads() * dh;
        // qkv_proj: q | k | v along the output axis                           [T, (H + 2·Hkv)·Dh]
        NDList qkv = Ops.linear(x, b.qkvW(), null).split(new long[] {qSize, qSize + kvSize}, 1);
        NDArray q = rope.apply(Ops.splitHeads(qkv.get(0), config.numHeads()), false);  // [H, T, Dh]
        NDArray k = rope.apply(Ops.splitHeads(qkv.get(1), config.kvHeads()), false);   // [Hkv, T, Dh]
        NDArray v = Ops.splitHeads(qkv.get(2), config.kvHeads());
        NDArray out = Ops.attention(q, k, v, mask, (float) Math.pow(dh, -0.5), 0f);    // [T, H·Dh]
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

    @Override
    public void close() {
        manager.close();
    }
}
