package dev.logitlens.core.model.opt;

import ai.djl.ndarray.NDArray;

import java.util.List;

/**
 * OPT's parameters, torch {@code nn.Linear} layout [out, in]. Biases are null when {@code enable_bias} is
 * false, LayerNorm weights and biases when {@code layer_norm_elementwise_affine} is false.
 *
 * @param embedTokens   [V, P] token embedding, also the unembedding when tied
 * @param embedPositions [N + 2, D] learned positions (row = position + 2)
 * @param projectIn     [D, P] or null when P == D
 * @param finalLnW      [D] or null (post-LN checkpoints have no final LayerNorm)
 * @param projectOut    [P, D] or null when P == D
 * @param lmHead        [V, P] separate unembedding, or null when tied to {@code embedTokens}
 */
public record OptWeights(NDArray embedTokens, NDArray embedPositions, NDArray projectIn,
                         NDArray finalLnW, NDArray finalLnB, NDArray projectOut, NDArray lmHead) {

    /** One decoder layer. */
    public record Block(
            NDArray attnLnW, NDArray attnLnB,   // self_attn_layer_norm [D]
            NDArray qW, NDArray qB,             // self_attn.q_proj [D, D], [D]
            NDArray kW, NDArray kB,
            NDArray vW, NDArray vB,
            NDArray outW, NDArray outB,         // self_attn.out_proj [D, D], [D]
            NDArray mlpLnW, NDArray mlpLnB,     // final_layer_norm (of the layer) [D]
            NDArray fc1W, NDArray fc1B,         // [F, D], [F]
            NDArray fc2W, NDArray fc2B) {}      // [D, F], [D]
}
