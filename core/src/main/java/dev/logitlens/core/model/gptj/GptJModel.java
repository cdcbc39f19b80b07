package dev.logitlens.core.model.gptj;

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
 * GPT-J (Hugging Face {@code GPTJForCausalLM}): parallel blocks (one {@code ln_1} feeds attention and MLP),
 * interleaved ({@code rotate_every_two}) rotary on the first {@code rotary_dim} dims of each head, bias-free
 * attention projections, {@code gelu_new} MLP, final {@code ln_f}, separate {@code lm_head} with a bias.
 *
 * <p>Dims: T tokens, D hidden, H heads, Dh = D / H, I inner, V vocabulary.
 */
public final class GptJModel extends BaseLensModel<GptJConfig, GptJWeights, GptJWeights.Block> {
    private final Rope rope;

    public GptJModel(GptJConfig config, GptJWeights weights, BlockStore<GptJWeights.Block> blocks, Rope rope,
                     NDManager manager) {
        super(config, weights, blocks, manager, "gptj", config.numLayers(), config.hiddenSize(), config.vocabSize(),
                config.maxPositions(), weights.wte());
        this.rope = rope;
    }

    /** h = wte[ids] (positions enter through rotary)                       [N, D] */
    @Override
    public NDArray embed(Batch batch) {
        return Ops.embed(w.wte(), batch.ids());
    }

    /** h + attn(ln_1(h)) + mlp(ln_1(h)). */
    @Override
    protected NDArray block(int layer, GptJWeights.Block b, NDArray h, Batch batch) {
        NDArray x = Ops.layerNorm(h, b.lnW(), b.lnB(), config.layerNormEps());
        int heads = config.numHeads();
        // Attention: q, k rotated pairwise (2i, 2i+1) on their first rotary_dim dims     [H, T, Dh]
        NDArray q = rope.apply(Ops.splitHeads(Ops.linear(x, b.qW(), null), heads), true, batch);
        NDArray k = rope.apply(Ops.splitHeads(Ops.linear(x, b.kW(), null), heads), true, batch);
        NDArray v = Ops.splitHeads(Ops.linear(x, b.vW(), null), heads);
        NDArray attn = Ops.attention(batch, q, k, v, 0, (float) (1.0 / Math.sqrt(config.headSize())), 0f); // [T, D]
        attn = Ops.linear(attn, b.outW(), null);
        // MLP on the same normalized input: fc_in, activation, fc_out            [T, I] → [T, D]
        NDArray mlp = Ops.activation(config.activation(), Ops.linear(x, b.fcInW(), b.fcInB()));
        mlp = Ops.linear(mlp, b.fcOutW(), b.fcOutB());
        return h.add(attn).add(mlp);
    }

    @Override
    public NDArray finalNorm(NDArray hidden) {
        return Ops.layerNorm(hidden, w.lnFW(), w.lnFB(), config.layerNormEps());
    }

    /** lm_head with its bias, so every layer's lens gets the bias the model's own output has. */
    @Override
    public Unembedding unembedding() {
        return new Unembedding(w.lmHead() != null ? w.lmHead() : w.wte(), w.lmHeadBias(), 0f);
    }
}
