package dev.logitlens.core.model.gemma;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.model.FamilySupport;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.Family;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.model.Weights;

import java.util.List;

/**
 * Reads Gemma, Gemma 2 and Gemma 3 text checkpoints. Names are those of {@code GemmaModel}
 * ({@code embed_tokens.weight}, {@code layers.0.self_attn.q_proj.weight}, ...), with the {@code model.} prefix
 * when saved from the causal-LM class, and {@code language_model.model.} or {@code model.language_model.} when a
 * Gemma 3 text tower was saved from the multimodal model. A multimodal Gemma 3 checkpoint ({@code model_type: gemma3})
 * is read as its text tower, as {@code Gemma3ForConditionalGeneration} runs a prompt without images: its
 * {@code text_config} is the Gemma 3 text config and the vision tower's tensors are never loaded.
 */
public final class GemmaFamily implements Family {
    static final String[] PREFIXES = {"model.", "", "language_model.model.", "model.language_model."};
    /** The multimodal wrapper's model_type; its text_config holds the gemma3_text config. */
    static final String MULTIMODAL = "gemma3";
    private static final String TEXT = "gemma3_text";
    private static final String OLD_MULTIMODAL_HEAD = "language_model.lm_head.weight";

    @Override
    public List<String> modelTypes() {
        return List.of("gemma", "gemma2", TEXT, MULTIMODAL);
    }

    @Override
    public LensModel load(Checkpoint checkpoint, NDManager manager, DataType dtype, BlockStore.Residency residency) {
        String where = FamilySupport.configPath(checkpoint);
        JsonNode json = checkpoint.config();
        if (MULTIMODAL.equals(json.path("model_type").asText())) {
            json = textTower(json, where);
            where += " (text_config)";
        }
        GemmaConfig c = GemmaConfig.from(json, where);
        FamilySupport.checkActivation(manager, c.activation(), "hidden_activation", where);
        Weights w = new Weights(checkpoint, manager, dtype, "embed_tokens.weight", PREFIXES);
        long d = c.hiddenSize();
        long q = c.qDim();
        long kv = c.kvDim();
        long inter = c.intermediateSize();
        long dh = c.headDim();
        BlockStore<GemmaWeights.Block> blocks = BlockStore.of(c.numLayers(), (i, bw) -> block(c, i, bw), w, residency);
        // Saved from the multimodal model, an untied head is language_model.lm_head (older transformers) or lm_head.
        String head = checkpoint.has(OLD_MULTIMODAL_HEAD) ? OLD_MULTIMODAL_HEAD : "lm_head.weight";
        NDArray lmHead = FamilySupport.separateHead(checkpoint, w, head, c.tieWordEmbeddings(), c.vocabSize(), d);
        GemmaWeights weights = new GemmaWeights(w.get("embed_tokens.weight", c.vocabSize(), d),
                w.get("norm.weight", d), lmHead);
        return new GemmaModel(c, weights, blocks, manager);
    }

    /** Block {@code i}'s tensors, by their Hugging Face names. */
    private static GemmaWeights.Block block(GemmaConfig c, int i, Weights w) {
        long d = c.hiddenSize();
        long q = c.qDim();
        long kv = c.kvDim();
        long inter = c.intermediateSize();
        long dh = c.headDim();
        String p = "layers." + i + ".";
        String a = p + "self_attn.";
        return new GemmaWeights.Block(
                w.get(p + "input_layernorm.weight", d),
                w.get(a + "q_proj.weight", q, d), w.getIf(c.attentionBias(), a + "q_proj.bias", q),
                w.get(a + "k_proj.weight", kv, d), w.getIf(c.attentionBias(), a + "k_proj.bias", kv),
                w.get(a + "v_proj.weight", kv, d), w.getIf(c.attentionBias(), a + "v_proj.bias", kv),
                w.get(a + "o_proj.weight", d, q), w.getIf(c.attentionBias(), a + "o_proj.bias", d),
                w.getIf(c.qkNorm(), a + "q_norm.weight", dh),
                w.getIf(c.qkNorm(), a + "k_norm.weight", dh),
                w.get(p + "post_attention_layernorm.weight", d),
                w.getIf(c.sandwichNorms(), p + "pre_feedforward_layernorm.weight", d),
                w.getIf(c.sandwichNorms(), p + "post_feedforward_layernorm.weight", d),
                w.get(p + "mlp.gate_proj.weight", inter, d),
                w.get(p + "mlp.up_proj.weight", inter, d),
                w.get(p + "mlp.down_proj.weight", d, inter));
    }

    /**
     * The effective text config of a multimodal checkpoint: {@code text_config} as {@code Gemma3Config} builds its
     * {@code Gemma3TextConfig} from it (absent keys take the gemma3_text defaults, an absent text_config is all
     * defaults). Text-only prompts then run the text tower unchanged (same scaled embedding, causal mask, head tied
     * to {@code embed_tokens} when the text config ties it), with one exception that fails here instead.
     */
    static JsonNode textTower(JsonNode config, String where) {
        JsonNode text = config.get("text_config");
        ObjectNode out;
        if (text == null || text.isNull()) {
            out = JsonNodeFactory.instance.objectNode();
        } else if (text.isObject()) {
            out = ((ObjectNode) text).deepCopy();
        } else {
            throw new CheckpointException(where + ": text_config must be an object (the Gemma 3 text config), got "
                    + text);
        }
        String type = out.path("model_type").asText(TEXT);
        if (!type.equals(TEXT)) {
            throw new CheckpointException(where + ": text_config.model_type is '" + type + "'; a " + MULTIMODAL
                    + " checkpoint's text tower must be " + TEXT);
        }
        out.put("model_type", TEXT);
        // Older Gemma3ForConditionalGeneration ran Gemma3ForCausalLM, which applies this cap; current releases
        // apply their own lm_head without it. The released checkpoints set null; any other value is ambiguous.
        JsonNode cap = out.get("final_logit_softcapping");
        if (cap != null && !cap.isNull()) {
            throw new CheckpointException(where + ": text_config.final_logit_softcapping is " + cap
                    + "; transformers' Gemma3ForConditionalGeneration applied it in older releases and ignores it in "
                    + "current ones, so the output is ambiguous. Set it to null (the current behaviour), or save "
                    + "the text tower alone with model_type " + TEXT + " (Gemma3ForCausalLM applies the cap)");
        }
        return out;
    }
}
