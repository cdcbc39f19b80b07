package dev.logitlens.core.model.gptneox;

import ai.djl.ndarray.NDArray;


/**
 * GPT-NeoX's parameters, torch {@code nn.Linear} layout [out, in].
 *
 * @param embedIn  [V, D] token embedding
 * @param embedOut [V, D] the separate unembedding, or null when tied to {@code embedIn}
 */
public record GptNeoXWeights(NDArray embedIn, NDArray finalLnW, NDArray finalLnB,
                             NDArray embedOut) {

    /**
     * One layer. {@code qkvW} is {@code attention.query_key_value.weight} [3D, D] whose rows are grouped per
     * head: head h owns rows [h·3Dh, (h+1)·3Dh) = its q, then k, then v. Attention biases are null when
     * {@code attention_bias} is false.
     */
    public record Block(
            NDArray ln1W, NDArray ln1B,         // input_layernorm [D]
            NDArray qkvW, NDArray qkvB,         // [3D, D], [3D]
            NDArray denseW, NDArray denseB,     // attention.dense [D, D], [D]
            NDArray ln2W, NDArray ln2B,         // post_attention_layernorm [D]
            NDArray fcW, NDArray fcB,           // mlp.dense_h_to_4h [I, D], [I]
            NDArray projW, NDArray projB) {}    // mlp.dense_4h_to_h [D, I], [D]
}
