package dev.logitlens.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.logitlens.core.model.BaseLensModel;
import dev.logitlens.core.model.Batch;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.Ops;
import dev.logitlens.core.model.Rope;
import dev.logitlens.core.model.Unembedding;


/**
 * The Llama family ({@code LlamaForCausalLM}, {@code MistralForCausalLM}, {@code Qwen2ForCausalLM},
 * {@code Qwen3ForCausalLM}): pre-RMSNorm blocks, rotary positions in the rotate-half layout,
 * grouped-query attention with optional sliding windows, SwiGLU MLP, final RMSNorm.
 */
public final class LlamaModel extends BaseLensModel<LlamaConfig, LlamaWeights, LlamaWeights.Block> {
    private final Rope rope;

    public LlamaModel(LlamaConfig config, LlamaWeights weights, BlockStore<LlamaWeights.Block> blocks, Rope rope,
                      NDManager manager) {
        super(config, weights, blocks, manager, config.modelType(), config.numLayers(), config.hiddenSize(),
                config.vocabSize(), config.maxPositions(), weights.embed());
        this.rope = rope;
    }

    /** h = embed_tokens[ids]; positions enter only through the rotation of q and k.   [N, D] */
    @Override
    public NDArray embed(Batch batch) {
        return Ops.embed(w.embed(), batch.ids());
    }

    /** One decoder layer: h + attn(input_layernorm(h)), then + mlp(post_attention_layernorm(h)). */
    @Override
    protected NDArray block(int layer, LlamaWeights.Block b, NDArray h, Batch batch) {
        float eps = config.rmsNormEps();
        // Attention projections                                   q [H, N, Dh], k and v [Hkv, N, Dh]
        NDArray x = Ops.rmsNorm(h, b.inputNorm(), eps, false);
        NDArray q = Ops.splitHeads(Ops.linear(x, b.qW(), b.qB()), config.numHeads());
        NDArray k = Ops.splitHeads(Ops.linear(x, b.kW(), b.kB()), config.numKvHeads());
        NDArray v = Ops.splitHeads(Ops.linear(x, b.vW(), b.vB()), config.numKvHeads());
        // Qwen3: RMSNorm over Dh of every head, before the rotation
        if (b.qNorm() != null) {
            q = Ops.rmsNorm(q, b.qNorm(), eps, false);
            k = Ops.rmsNorm(k, b.kNorm(), eps, false);
        }
        // Rotary positions (rotate-half layout) on q and k, each prompt from position 0
        q = rope.apply(q, false, batch);
        k = rope.apply(k, false, batch);
        // Causal (or sliding-window) attention within each prompt, key/value heads shared by groups   [N, H·Dh]
        NDArray attn = Ops.attention(batch, q, k, v, config.slidingWindows().get(layer),
                (float) (1.0 / Math.sqrt(config.headDim())), 0f);
        h = h.add(Ops.linear(attn, b.oW(), b.oB()));                                  // [N, D]
        // SwiGLU MLP: down(act(gate(x)) · up(x))                  [N, I] → [N, D]
        x = Ops.rmsNorm(h, b.postAttentionNorm(), eps, false);
        NDArray gate = Ops.activation(config.hiddenAct(), Ops.linear(x, b.gateW(), b.gateB()));
        NDArray mlp = Ops.linear(gate.mul(Ops.linear(x, b.upW(), b.upB())), b.downW(), b.downB());
        return h.add(mlp);
    }

    @Override
    public NDArray finalNorm(NDArray hidden) {
        return Ops.rmsNorm(hidden, w.norm(), config.rmsNormEps(), false);
    }

    @Override
    public Unembedding unembedding() {
        return new Unembedding(w.lmHead() != null ? w.lmHead() : w.embed(), null, 0f);
    }
}
