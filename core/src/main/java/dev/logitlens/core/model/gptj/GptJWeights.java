package dev.logitlens.core.model.gptj;

import ai.djl.ndarray.NDArray;


/**
 * GPT-J's parameters, torch {@code nn.Linear} layout [out, in].
 *
 * @param wte        [V, D] token embedding
 * @param lmHead     [V, D] the separate unembedding, or null when tied to {@code wte}
 * @param lmHeadBias [V] the head's bias (GPT-J's lm_head has one), or null when absent
 */
public record GptJWeights(NDArray wte, NDArray lnFW, NDArray lnFB, NDArray lmHead,
                          NDArray lmHeadBias) {

    /** One block; the attention projections have no biases. */
    public record Block(
            NDArray lnW, NDArray lnB,           // ln_1 [D], feeding both attention and MLP
            NDArray qW, NDArray kW, NDArray vW, // attn.{q,k,v}_proj [D, D]
            NDArray outW,                       // attn.out_proj [D, D]
            NDArray fcInW, NDArray fcInB,       // mlp.fc_in [I, D], [I]
            NDArray fcOutW, NDArray fcOutB) {}  // mlp.fc_out [D, I], [D]
}
