package dev.logitlens.core.model.gptneox;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.Family;
import dev.logitlens.core.model.FamilySupport;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.Rope;
import dev.logitlens.core.model.Weights;

import java.util.List;

/**
 * Reads GPT-NeoX checkpoints (Pythia, gpt-neox-20b). Names are those of {@code GPTNeoXModel}
 * ({@code embed_in.weight}, {@code layers.0.attention.query_key_value.weight}, ...) with the
 * {@code gpt_neox.} prefix when saved from {@code GPTNeoXForCausalLM}, whose head {@code embed_out.weight}
 * sits outside the base model. The causal-mask buffers ({@code attention.bias}, {@code attention.masked_bias})
 * and {@code rotary_emb.inv_freq} of older saves are not weights and are ignored.
 */
public final class GptNeoXFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("gpt_neox");
    }

    @Override
    public LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype, BlockStore.Residency residency) {
        String where = FamilySupport.configPath(checkpoint);
        GptNeoXConfig c = GptNeoXConfig.from(checkpoint.config(), where);
        FamilySupport.checkActivation(manager, c.activation(), "hidden_act", where);
        // longrope falls back to a top-level original_max_position_embeddings, as HF's getattr(config, ...)
        Rope rope = Rope.fromConfig(where, c.rotaryDim(), c.theta(), c.scaling(),
                c.maxPositions(), checkpoint.config().path("original_max_position_embeddings").asInt(0));
        Weights w = new Weights(checkpoint, manager, dtype, "embed_in.weight", "gpt_neox.", "");
        long d = c.hiddenSize();
        long inner = c.intermediateSize();
        boolean bias = c.attentionBias();
        BlockStore<GptNeoXWeights.Block> blocks = BlockStore.of(c.numLayers(), (i, bw) -> block(c, i, bw), w, residency);
        GptNeoXWeights weights = new GptNeoXWeights(
                w.get("embed_in.weight", c.vocabSize(), d),
                w.get("final_layer_norm.weight", d), w.get("final_layer_norm.bias", d),
                FamilySupport.separateHead(checkpoint, w, "embed_out.weight", c.tieWordEmbeddings(), c.vocabSize(), d));
        return new GptNeoXModel(c, weights, blocks, rope, manager);
    }

    /** Block {@code i}'s tensors, by their Hugging Face names. */
    private static GptNeoXWeights.Block block(GptNeoXConfig c, int i, Weights w) {
        long d = c.hiddenSize();
        long inner = c.intermediateSize();
        boolean bias = c.attentionBias();
        String p = "layers." + i + ".";
        return new GptNeoXWeights.Block(
                w.get(p + "input_layernorm.weight", d), w.get(p + "input_layernorm.bias", d),
                w.get(p + "attention.query_key_value.weight", 3 * d, d),
                w.getIf(bias, p + "attention.query_key_value.bias", 3 * d),
                w.get(p + "attention.dense.weight", d, d), w.getIf(bias, p + "attention.dense.bias", d),
                w.get(p + "post_attention_layernorm.weight", d), w.get(p + "post_attention_layernorm.bias", d),
                w.get(p + "mlp.dense_h_to_4h.weight", inner, d), w.get(p + "mlp.dense_h_to_4h.bias", inner),
                w.get(p + "mlp.dense_4h_to_h.weight", d, inner), w.get(p + "mlp.dense_4h_to_h.bias", d));
    }
}
