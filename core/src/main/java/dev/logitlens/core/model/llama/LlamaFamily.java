package dev.logitlens.core.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.model.Family;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.Ops;
import dev.logitlens.core.model.Rope;
import dev.logitlens.core.model.Weights;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/**
 * Reads Llama, Mistral, Qwen2 and Qwen3 checkpoints. Names are those of {@code LlamaModel}
 * ({@code embed_tokens.weight}, {@code layers.0.self_attn.q_proj.weight}, ..., {@code norm.weight}), with
 * the {@code model.} prefix when saved from the {@code ...ForCausalLM} class; {@code lm_head.weight} sits
 * outside the prefix and is read only when the head is untied, as {@code from_pretrained} does.
 */
public final class LlamaFamily implements Family {
    @Override
    public List<String> modelTypes() {
        return List.of("llama", "mistral", "qwen2", "qwen3");
    }

    @Override
    public LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype) {
        String where = checkpoint.dir().resolve(Checkpoint.CONFIG).toString();
        LlamaConfig c = LlamaConfig.from(checkpoint.config(), where);
        checkActivation(c, manager, where);
        Rope rope;
        try {
            // longrope falls back to a top-level original_max_position_embeddings, as HF's getattr(config, ...)
            rope = Rope.fromConfig(c.rotaryDim(), c.ropeTheta(), c.ropeScaling(), c.maxPositions(),
                    checkpoint.config().path("original_max_position_embeddings").asInt(0));
        } catch (CheckpointException e) {
            // Rope names the key; say which config.json it came from.
            throw new CheckpointException(e.getMessage().replaceFirst("^config\\.json", Matcher.quoteReplacement(where)), e);
        }
        Weights w = new Weights(checkpoint, manager, dtype, "embed_tokens.weight", "", "model.");
        long d = c.hiddenSize();
        long qDim = (long) c.numHeads() * c.headDim();
        long kvDim = (long) c.numKvHeads() * c.headDim();
        long inter = c.intermediateSize();
        List<LlamaWeights.Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "layers." + i + ".";
            String a = p + "self_attn.";
            String m = p + "mlp.";
            blocks.add(new LlamaWeights.Block(
                    w.get(p + "input_layernorm.weight", d),
                    w.get(a + "q_proj.weight", qDim, d), bias(w, c.qkvBias(), a + "q_proj.bias", qDim),
                    w.get(a + "k_proj.weight", kvDim, d), bias(w, c.qkvBias(), a + "k_proj.bias", kvDim),
                    w.get(a + "v_proj.weight", kvDim, d), bias(w, c.qkvBias(), a + "v_proj.bias", kvDim),
                    w.get(a + "o_proj.weight", d, qDim), bias(w, c.outputBias(), a + "o_proj.bias", d),
                    c.qkNorm() ? w.get(a + "q_norm.weight", c.headDim()) : null,
                    c.qkNorm() ? w.get(a + "k_norm.weight", c.headDim()) : null,
                    w.get(p + "post_attention_layernorm.weight", d),
                    w.get(m + "gate_proj.weight", inter, d), bias(w, c.mlpBias(), m + "gate_proj.bias", inter),
                    w.get(m + "up_proj.weight", inter, d), bias(w, c.mlpBias(), m + "up_proj.bias", inter),
                    w.get(m + "down_proj.weight", d, inter), bias(w, c.mlpBias(), m + "down_proj.bias", d)));
        }
        NDArray lmHead = null;
        if (!c.tieWordEmbeddings()) {
            if (!w.hasUnprefixed("lm_head.weight")) {
                throw new CheckpointException(where + ": tie_word_embeddings is false but the weights have no "
                        + "lm_head.weight; set \"tie_word_embeddings\": true if the head shares the embedding, "
                        + "or add the missing lm_head tensor");
            }
            lmHead = w.getUnprefixed("lm_head.weight", c.vocabSize(), d);
        }
        LlamaWeights weights = new LlamaWeights(w.get("embed_tokens.weight", c.vocabSize(), d), blocks,
                w.get("norm.weight", d), lmHead);
        return new LlamaModel(c, weights, rope, manager);
    }

    /** The bias the config promises (a missing one fails, naming the tensor), or null. */
    private static NDArray bias(Weights w, boolean present, String name, long size) {
        return present ? w.get(name, size) : null;
    }

    /** Fails at load time, not mid-forward, on a hidden_act Ops does not implement. */
    private static void checkActivation(LlamaConfig c, NDManager manager, String where) {
        try (NDManager probe = manager.newSubManager()) {
            Ops.activation(c.hiddenAct(), probe.zeros(new Shape(1)));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(where + ": hidden_act '" + c.hiddenAct() + "' is not supported ("
                    + e.getMessage() + "); the Llama family is checked with silu");
        }
    }
}
