package dev.logitlens.core.model.gpt2;

import ai.djl.ndarray.NDArray;


/**
 * GPT-2's parameters. The checkpoint's Conv1D weights [in, out] are held as {@code nn.Linear} weights [out, in]
 * (so {@code x · Wᵀ + b}, {@link dev.logitlens.core.model.Ops#linear}).
 *
 * @param wte    [V, D] token embedding, also the unembedding when tied
 * @param wpe    [N, D] learned positions
 * @param lmHead [V, D] separate unembedding, or null when tied to {@code wte}
 */
public record Gpt2Weights(NDArray wte, NDArray wpe, NDArray lnFW, NDArray lnFB, NDArray lmHead) {

    /** One pre-LN block. */
    public record Block(
            NDArray ln1W, NDArray ln1B,
            NDArray attnW, NDArray attnB,       // c_attn [3D, D], [3D]
            NDArray attnProjW, NDArray attnProjB, // c_proj [D, D], [D]
            NDArray ln2W, NDArray ln2B,
            NDArray fcW, NDArray fcB,           // c_fc [I, D], [I]
            NDArray fcProjW, NDArray fcProjB) {  // c_proj [D, I], [D]
    }
}
