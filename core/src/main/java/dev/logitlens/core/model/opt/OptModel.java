package dev.logitlens.core.model.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.logitlens.core.model.BaseLensModel;
import dev.logitlens.core.model.Batch;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.Ops;
import dev.logitlens.core.model.Unembedding;

/**
 * OPT (Hugging Face {@code OPTForCausalLM}): learned positions offset by 2, pre-LN blocks (or post-LN when
 * {@code do_layer_norm_before} is false, as in opt-350m), ReLU MLP, optional {@code project_in}/{@code project_out}
 * around the decoder, unembedding tied to {@code embed_tokens}.
 *
 * <p>Dims: T tokens, D hidden, P word_embed_proj_dim, F ffn_dim, H heads, Dh = D / H, V vocabulary.
 */
public final class OptModel extends BaseLensModel<OptConfig, OptWeights, OptWeights.Block> {
    public OptModel(OptConfig config, OptWeights weights, BlockStore<OptWeights.Block> blocks, NDManager manager) {
        super(config, weights, blocks, manager, "opt", config.numLayers(), config.hiddenSize(), config.vocabSize(),
                config.maxPositions(), weights.embedTokens());
    }

    @Override
    public NDArray embed(Batch batch) {
        // x = embed_tokens[ids], widened by project_in when P != D        [N, P] → [N, D]
        NDArray x = Ops.embed(w.embedTokens(), batch.ids());
        if (w.projectIn() != null) {
            x = Ops.linear(x, w.projectIn(), null);
        }
        // h = x + embed_positions[2 + position]: an unpadded prompt's positions 0..T-1, offset by 2
        return x.add(Ops.embed(w.embedPositions(), batch.positions(OptConfig.POSITION_OFFSET)));
    }

    /** Pre-LN: h + attn(ln(h)), then + mlp(ln(h)). Post-LN: ln(h + attn(h)), then ln(h + mlp(h)). */
    @Override
    protected NDArray block(int layer, OptWeights.Block b, NDArray h, Batch batch) {
        boolean pre = config.doLayerNormBefore();
        float eps = OptConfig.LAYER_NORM_EPS;
        // Attention; q is scaled by Dh^-0.5 right after its projection, as OPTAttention does   [T, D]
        NDArray x = pre ? Ops.layerNorm(h, b.attnLnW(), b.attnLnB(), eps) : h;
        float scale = (float) Math.pow(config.headSize(), -0.5);
        NDArray q = Ops.splitHeads(Ops.linear(x, b.qW(), b.qB()).mul(scale), config.numHeads()); // [H, T, Dh]
        NDArray k = Ops.splitHeads(Ops.linear(x, b.kW(), b.kB()), config.numHeads());
        NDArray v = Ops.splitHeads(Ops.linear(x, b.vW(), b.vB()), config.numHeads());
        NDArray attn = Ops.attention(batch, q, k, v, 0, 1f, 0f);                                        // [T, D]
        h = h.add(Ops.linear(attn, b.outW(), b.outB()));
        if (!pre) {
            h = Ops.layerNorm(h, b.attnLnW(), b.attnLnB(), eps);
        }
        // MLP: fc1, activation, fc2                                          [T, F] → [T, D]
        x = pre ? Ops.layerNorm(h, b.mlpLnW(), b.mlpLnB(), eps) : h;
        NDArray mlp = Ops.activation(config.activation(), Ops.linear(x, b.fc1W(), b.fc1B()));
        h = h.add(Ops.linear(mlp, b.fc2W(), b.fc2B()));
        return pre ? h : Ops.layerNorm(h, b.mlpLnW(), b.mlpLnB(), eps);
    }

    /** The decoder's final_layer_norm (pre-LN only), then project_out back to P (when P != D). */
    @Override
    public NDArray finalNorm(NDArray hidden) {
        NDArray x = config.hasFinalLayerNorm()
                ? Ops.layerNorm(hidden, w.finalLnW(), w.finalLnB(), OptConfig.LAYER_NORM_EPS) : hidden;
        return w.projectOut() == null ? x : Ops.linear(x, w.projectOut(), null);
    }

    @Override
    public Unembedding unembedding() {
        return new Unembedding(w.lmHead() != null ? w.lmHead() : w.embedTokens(), null, 0f);
    }
}
