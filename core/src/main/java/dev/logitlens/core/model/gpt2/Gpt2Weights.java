package dev.logitlens.core.model.gpt2;

import ai.djl.ndarray.NDArray;


/**
 * GPT-2's parameters. Linear weights keep Hugging Face's Conv1D layout [in, out] (so {@code x · W + b}).
 *
 * @param wte    [V, D] token embedding, also the unembedding when tied
 * @param wpe    [N, D] learned positions
 * @param lmHead [V, D] separate unembedding, or null when tied to {@code wte}
 */
public record Gpt2Weights(NDArray wte, NDArray wpe, NDArray lnFW, NDArray lnFB, NDArray lmHead) {

    /** One pre-LN block. */
    public record Block(
            NDArray ln1W, NDArray ln1B,
            NDArray attnW, NDArray attnB,       // c_attn [D, 3D], [3D]
            NDArray attnProjW, NDArray attnProjB, // c_proj [D, D], [D]
            NDArray ln2W, NDArray ln2B,
            NDArray fcW, NDArray fcB,           // c_fc [D, I], [I]
            NDArray fcProjW, NDArray fcProjB) {  // c_proj [I, D], [D]
    }
}
