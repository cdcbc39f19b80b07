package dev.logitlens.core.model.gemma;

import ai.djl.ndarray.NDArray;


/**
 * Gemma's parameters. Linear weights keep torch's nn.Linear layout [out, in]; RMSNorm weights are stored
 * as {@code w - 1} (the norm multiplies by {@code 1 + w}).
 *
 * @param embed  [V, D] token embedding, also the unembedding when tied
 * @param norm   [D] final RMSNorm
 * @param lmHead [V, D] separate unembedding, or null when tied to {@code embed}
 */
public record GemmaWeights(NDArray embed, NDArray norm, NDArray lmHead) {

    /**
     * One decoder block. Q = H·Dh, KV = Hkv·Dh, I = intermediate size.
     *
     * @param postAttnNorm Gemma 1: the MLP's pre-norm; Gemma 2/3: the norm of the attention output
     * @param preFfNorm    Gemma 2/3: the MLP's pre-norm; null for Gemma 1
     * @param postFfNorm   Gemma 2/3: the norm of the MLP output; null for Gemma 1
     * @param qNorm        Gemma 3: [Dh] norm of each query head; null otherwise
     * @param kNorm        Gemma 3: [Dh] norm of each key head; null otherwise
     */
    public record Block(
            NDArray inputNorm,                    // [D]
            NDArray qW, NDArray qB,               // [Q, D], [Q] or null
            NDArray kW, NDArray kB,               // [KV, D], [KV] or null
            NDArray vW, NDArray vB,               // [KV, D], [KV] or null
            NDArray oW, NDArray oB,               // [D, Q], [D] or null
            NDArray qNorm, NDArray kNorm,
            NDArray postAttnNorm, NDArray preFfNorm, NDArray postFfNorm,
            NDArray gateW, NDArray upW,           // [I, D]
            NDArray downW) {}                     // [D, I]
}
