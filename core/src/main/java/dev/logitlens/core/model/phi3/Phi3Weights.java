package dev.logitlens.core.model.phi3;

import ai.djl.ndarray.NDArray;


/**
 * Phi-3's parameters, torch {@code nn.Linear} layout [out, in], no biases.
 *
 * @param embedTokens [V, D] token embedding
 * @param lmHead      [V, D] the separate unembedding, or null when tied to {@code embedTokens}
 */
public record Phi3Weights(NDArray embedTokens, NDArray normW, NDArray lmHead) {

    /**
     * One layer. {@code qkvW} stacks q (H·Dh rows), k (Hkv·Dh), v (Hkv·Dh); {@code gateUpW} stacks gate
     * (I rows), then up (I rows).
     */
    public record Block(
            NDArray inputLnW,       // input_layernorm [D]
            NDArray qkvW,           // self_attn.qkv_proj [(H + 2·Hkv)·Dh, D]
            NDArray oW,             // self_attn.o_proj [D, H·Dh]
            NDArray postLnW,        // post_attention_layernorm [D]
            NDArray gateUpW,        // mlp.gate_up_proj [2I, D]
            NDArray downW) {}       // mlp.down_proj [D, I]
}
