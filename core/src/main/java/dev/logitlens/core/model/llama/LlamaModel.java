package dev.logitlens.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.model.BaseLensModel;
import dev.logitlens.core.model.Ops;
import dev.logitlens.core.model.Rope;
import dev.logitlens.core.model.Unembedding;

import java.util.HashMap;
import java.util.Map;

/**
 * The Llama family ({@code LlamaForCausalLM}, {@code MistralForCausalLM}, {@code Qwen2ForCausalLM},
 * {@code Qwen3ForCausalLM}): pre-RMSNorm blocks, rotary positions in the rotate-half layout,
 * grouped-query attention with optional sliding windows, SwiGLU MLP, final RMSNorm.
 */
public final class LlamaModel extends BaseLensModel<LlamaConfig, LlamaWeights> {
    private final Rope rope;

    public LlamaModel(LlamaConfig config, LlamaWeights weights, Rope rope, NDManager manager) {
        super(config, weights, manager, config.modelType(), config.numLayers(), config.hiddenSize(), config.vocabSize(),
                config.maxPositions(), weights.embed());
        this.rope = rope;
    }

    @Override
    public NDList blockOutputs(NDArray inputIds) {
        NDManager m = inputIds.getManager();
        int t = (int) inputIds.getShape().get(0);
        // h = embed_tokens[ids]; positions enter only through the rotation of q and k   [T, D]
        NDArray h = Ops.embed(w.embed(), inputIds);
        DataType dtype = h.getDataType();
        // One mask per distinct window (full causal = 0); a window ≥ T masks nothing extra.
        Map<Integer, NDArray> masks = new HashMap<>();
        return runBlocks(h, config.numLayers(), (i, hidden) -> {
            int window = config.slidingWindows().get(i);
            NDArray mask = masks.computeIfAbsent(window < t ? window : 0, win -> Ops.causalMask(m, t, win, dtype));
            return block(w.blocks().get(i), hidden, mask);
        });
    }

    /** One decoder layer: h + attn(input_layernorm(h)), then + mlp(post_attention_layernorm(h)). */
    private NDArray block(LlamaWeights.Block b, NDArray h, NDArray mask) {
        float eps = config.rmsNormEps();
        // Attention projections                                   q [H, T, Dh], k and v [Hkv, T, Dh]
        NDArray x = Ops.rmsNorm(h, b.inputNorm(), eps, false);
        NDArray q = Ops.splitHeads(Ops.linear(x, b.qW(), b.qB()), config.numHeads());
        NDArray k = Ops.splitHeads(Ops.linear(x, b.kW(), b.kB()), config.numKvHeads());
        NDArray v = Ops.splitHeads(Ops.linear(x, b.vW(), b.vB()), config.numKvHeads());
        // Qwen3: RMSNorm over Dh of every head, before the rotation
        if (b.qNorm() != null) {
            q = Ops.rmsNorm(q, b.qNorm(), eps, false);
            k = Ops.rmsNorm(k, b.kNorm(), eps, false);
        }
        // Rotary positions (rotate-half layout) on q and k
        q = rope.apply(q, false);
        k = rope.apply(k, false);
        // Causal (or sliding-window) attention, key/value heads shared by groups of query heads   [T, H·Dh]
        NDArray attn = Ops.attention(q, k, v, mask, (float) (1.0 / Math.sqrt(config.headDim())), 0f);
        h = h.add(Ops.linear(attn, b.oW(), b.oB()));                                  // [T, D]
        // SwiGLU MLP: down(act(gate(x)) · up(x))                  [T, I] → [T, D]
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
