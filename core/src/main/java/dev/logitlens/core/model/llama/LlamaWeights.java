package dev.logitlens.core.model.llama;

import ai.djl.ndarray.NDArray;

/**
 * A Llama-family model's parameters. Linear weights keep torch's {@code nn.Linear} layout [out, in].
 *
 * @param embed  [V, D] token embedding, also the unembedding when tied
 * @param norm   [D] final RMSNorm weight
 * @param lmHead [V, D] separate unembedding, or null when tied to {@code embed}
 */
public record LlamaWeights(NDArray embed, NDArray norm, NDArray lmHead) {

    /**
     * One decoder layer. Biases and q/k norms are null where the model has none.
     *
     * @param qW [H·Dh, D], kW and vW [Hkv·Dh, D], oW [D, H·Dh]
     * @param qNorm [Dh] and kNorm [Dh] (Qwen3) or null
     * @param gateW and upW [I, D], downW [D, I]
     */
    public record Block(
            NDArray inputNorm,
            NDArray qW, NDArray qB, NDArray kW, NDArray kB, NDArray vW, NDArray vB, NDArray oW, NDArray oB,
            NDArray qNorm, NDArray kNorm,
            NDArray postAttentionNorm,
            NDArray gateW, NDArray gateB, NDArray upW, NDArray upB, NDArray downW, NDArray downB) {}
}
